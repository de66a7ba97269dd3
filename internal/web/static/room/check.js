// @ts-check
// The setup check shown while one waits alone in the room: is the camera
// on, does the microphone hear (a live level), does the call connect (and
// how: directly or through a relay, with the round trip), and can a TURN
// relay be reached for networks that block everything else.
//
// Each row is li[data-check] with data-ok="true|false" (unset while it is
// being found out) and its text.

import { el } from "./dom.js";
import { meanSquare } from "./level.js";
import { turnServers } from "./chain.js";

const RELAY_TIMEOUT = 6000;

/**
 * pathHow says how the call is connected: in plain words, and in the
 * technical ones that Connection details shows.
 * @param {string} path
 * @returns {[string, string]}
 */
export function pathHow(path) {
  if (path === "sfu-udp") return [" directly", " (UDP)"];
  if (path === "sfu-tcp") return [" directly", " (TCP)"];
  if (path.startsWith("turn")) return ["", ` through a relay (${path})`];
  return ["", ""];
}

export class SetupCheck {
  /**
   * @param {HTMLElement} list the ul of rows
   * @param {import("./media.js").Call} call
   */
  constructor(list, call) {
    this.list = list;
    this.call = call;
    /** @type {{track: MediaStreamTrack, stop: () => void}|null} */
    this.meter = null;
    /** @type {Promise<boolean>|null} the relay test, once per page */
    this.relay = null;
    this.active = false;
  }

  // show starts (or keeps) the check running; hide stops its meter.
  show() {
    this.list.hidden = false;
    if (!this.active) {
      this.active = true;
      this.testRelay();
    }
    this.refresh();
  }

  hide() {
    this.list.hidden = true;
    this.active = false;
    this.meter?.stop();
    this.meter = null;
  }

  /**
   * row shows one part's state: ok, not ok, or (undefined) being found out.
   * @param {string} name
   * @param {boolean|undefined} ok
   * @param {string} text in plain words
   * @param {string} [tech] the technical words, shown under Connection details
   */
  row(name, ok, text, tech = "") {
    const li = /** @type {HTMLElement} */ (this.list.querySelector(`[data-check="${name}"]`));
    if (ok === undefined) delete li.dataset.ok;
    else li.dataset.ok = String(ok);
    const out = /** @type {HTMLElement} */ (li.querySelector("[data-check-text]"));
    if (!tech) {
      out.textContent = text;
      return;
    }
    const detail = el("span", "tech", tech);
    out.replaceChildren(text, detail);
  }

  // refresh shows what the call knows now (called on every change).
  refresh() {
    if (!this.active) return;
    const { call } = this;
    const dev = call.local;
    const cam = dev.tracks.camera;
    if (cam) {
      const s = cam.getSettings();
      this.row("camera", true, `Camera on${s.width ? ` (${s.width}×${s.height})` : ""}`);
    } else {
      this.row("camera", false, dev.deviceError || "Camera off");
    }
    const mic = dev.tracks.mic;
    if (mic && dev.micOn) {
      this.row("mic", true, "Microphone on: speak and watch the bar");
      if (!this.meter || this.meter.track !== mic) {
        this.meter?.stop();
        this.meter = levelMeter(mic, /** @type {HTMLElement} */ (this.list.querySelector("[data-check-meter]")));
      }
    } else {
      this.meter?.stop();
      this.meter = null;
      this.row("mic", false, mic ? "Microphone muted" : "No microphone");
    }
    const rtt = [...call.stats.values()][0]?.rtt;
    const [how, detail] = pathHow(call.path);
    if (call.state === "connected") {
      this.row("connection", true, `Call connected${how}`, `${detail}${rtt ? `, ${Math.round(rtt * 1000)} ms round trip` : ""}`);
    } else if (call.state === "reconnecting" || call.state === "failed") {
      this.row("connection", false, "The call cannot connect: check the network, or try another one");
    } else {
      this.row("connection", undefined, "Connecting the call…");
    }
  }

  // testRelay gathers candidates through the TURN servers the room gave:
  // a relay candidate means a strict network can still carry the call.
  async testRelay() {
    const servers = turnServers(this.call.iceServers);
    if (servers.length === 0) {
      this.row("relay", undefined, "Most networks need nothing more", " (no TURN relay on this server)");
      return;
    }
    this.relay ||= gatherRelay(servers);
    const ok = await this.relay;
    if (ok) this.row("relay", ok, "Strict office networks can join too", " (a TURN relay is reachable)");
    else this.row("relay", ok, "Strict office networks may not get through", " (the TURN relay cannot be reached from this network)");
  }
}

/**
 * gatherRelay reports whether a TURN server gives this browser a relay
 * candidate.
 * @param {RTCIceServer[]} iceServers
 * @returns {Promise<boolean>}
 */
function gatherRelay(iceServers) {
  return new Promise((resolve) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
    const done = (/** @type {boolean} */ ok) => {
      clearTimeout(timer);
      pc.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), RELAY_TIMEOUT);
    pc.onicecandidate = (e) => {
      if (e.candidate?.type === "relay" || / typ relay /.test(e.candidate?.candidate || "")) done(true);
      else if (!e.candidate) done(false);
    };
    pc.createDataChannel("check");
    pc.createOffer().then((o) => pc.setLocalDescription(o)).catch(() => done(false));
  });
}

/**
 * levelMeter shows a microphone's level in a bar until stopped.
 * @param {MediaStreamTrack} track
 * @param {HTMLElement} bar
 * @returns {{track: MediaStreamTrack, stop: () => void}}
 */
export function levelMeter(track, bar) {
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const data = new Float32Array(analyser.fftSize);
  let frame = 0;
  const draw = () => {
    analyser.getFloatTimeDomainData(data);
    const level = Math.min(1, Math.sqrt(meanSquare(data)) * 4);
    bar.style.width = `${Math.round(level * 100)}%`;
    if (bar.parentElement) bar.parentElement.dataset.level = level.toFixed(3);
    frame = requestAnimationFrame(draw);
  };
  draw();
  return {
    track,
    stop: () => {
      cancelAnimationFrame(frame);
      ctx.close();
    },
  };
}

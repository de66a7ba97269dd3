// @ts-check
// The call's video and audio: one RTCPeerConnection with the server's SFU
// (docs/protocol.md, "Media"). It publishes the microphone, the camera and
// the screen on three send-only transceivers, so that turning a device on
// or off is a replaceTrack and never a renegotiation, and it receives
// everyone else's tracks, each in a stream named "<user id>-<purpose>".
//
// Negotiation is the perfect negotiation pattern with the browser as the
// polite peer: every step (our offer and its answer, the server's offers,
// its candidates) runs in order on one promise chain; an offer of ours that
// crosses the server's is refused by the server and rolled back here, and
// the browser offers again once the server's offer is answered.
//
// The fallback chain (chain.js) tries WebRTC to the SFU, then TURN over TCP
// and TLS only, then the WebSocket media tunnel (tunnel.js). The path it ends
// on is reported ("path": sfu-udp, sfu-tcp, turn-udp, turn-tcp, turn-tls,
// tunnel). The local devices are tracks.js's; the statistics, stats.js's.
//
// Recovery: ICE that fails is restarted (restartIce); if it has not come
// back 10 s later, or the signaling connection was re-established (the
// server drops a peer whose connection went), the call goes down the chain
// again from its first step. A tunnel WebSocket that closes is opened anew.
//
// Peer-to-peer: in a room whose call mode is "p2p", a call of two people
// connects the browsers directly (p2p.js) before any of this; when that
// has not connected within DIRECT_TIMEOUT, or fails, both go to the SFU
// for the rest of the visit.
//
// Events (on the Call, an EventTarget):
//   "change" the local devices, the remote streams or the state changed
//   "stats"  detail: Map user id -> {frames, fps, loss, rtt, quality, energy}

import { DirectLink } from "./p2p.js";
import { TunnelLink, tunnelSupported } from "./tunnel.js";
import { LocalTracks, PURPOSES } from "./tracks.js";
import { chainSteps, nextStep, tcpTurn, STEP_TIMEOUT } from "./chain.js";
import { pathOf, rateTunnel, rateWebRTC, readPeerStats } from "./stats.js";
import { socketURL } from "./dom.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */
/** @typedef {Partial<Record<Purpose, MediaStream>>} Streams a person's received streams */
/** @typedef {ReturnType<typeof setTimeout>} Timer */

const TUNNEL_RETRY = 1000; // ms before a closed tunnel WebSocket is opened again
const DIRECT_TIMEOUT = 8000; // ms a peer-to-peer connection gets before the call goes to the SFU
const RESTART_GRACE = 10000; // ms an ICE restart gets before the peer connection is made anew
const STATS_EVERY = 1000;

// SIMULCAST are the camera's layers: a quarter, a half and the whole
// picture. The SFU sends each subscriber the one that fits its bandwidth
// and the size of its tile (media.view).
/** @type {RTCRtpEncodingParameters[]} */
const SIMULCAST = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", maxBitrate: 1_500_000 },
];

export class Call extends EventTarget {
  /**
   * @param {object} o
   * @param {import("./signal.js").Signal} o.signal the room's connection
   * @param {boolean} [o.turnOnly] force TURN relays (tests and hostile networks, ?relay=1)
   * @param {boolean} [o.simulcast]
   * @param {string} [o.media] "tunnel" goes straight to the WebSocket media tunnel, "webrtc" never falls back to it (?media=)
   */
  constructor({ signal, turnOnly = false, simulcast = true, media = "" }) {
    super();
    this.signal = signal;
    this.turnOnly = turnOnly;
    this.media = media;
    /** @type {TunnelLink|null} the tunnel, on the tunnel step */
    this.link = null;
    /** @type {DirectLink|null} the other browser, in a peer-to-peer call */
    this.direct = null;
    this.directFailed = false; // peer-to-peer did not work: the SFU for this visit
    this.callMode = "sfu";
    this.me = 0;
    /** @type {Set<number>} the other people (not the AI) in the room */
    this.others = new Set();
    this.aiPresent = false;
    this.devicesReady = false;
    this.step = 0; // index in the chain's steps
    /** @type {import("./chain.js").Step} */
    this.stepName = "webrtc";
    /** @type {Timer|undefined} */
    this.stepTimer = undefined;
    this.simulcast = simulcast;
    /** @type {Map<string, [number, number]>} stream id -> [width, height] shown */
    this.views = new Map();
    /** @type {Map<string, string>} stream id -> "WxH" told to the current peer connection */
    this.told = new Map();
    this.offered = false; // the server has our peer connection (our first offer is answered)
    /** @type {RTCPeerConnection|null} */
    this.pc = null;
    /** @type {RTCPeerConnection|null} the peer connection whose first offer the server answered */
    this.answered = null;
    /** @type {Promise<unknown>} */
    this.chain = Promise.resolve();
    this.local = new LocalTracks({
      onChange: () => this.changed(),
      onTrack: (purpose, track) => this.sendTrack(purpose, track),
    });
    /** @type {Partial<Record<Purpose, RTCRtpTransceiver>>} */
    this.transceivers = {};
    /** @type {Map<number, Streams>} user id -> their streams */
    this.remote = new Map();
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    this.state = "off"; // off, connecting, connected, reconnecting, failed
    this.path = "none";
    /** @type {import("./stats.js").Stats} */
    this.stats = new Map();
    /** @type {import("./stats.js").Stats} */
    this.prevStats = new Map();
    /** @type {Timer|0} */
    this.restartTimer = 0;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.statsTimer = undefined;
    this.local.ready();
  }

  /**
   * joined starts the media anew after every join, from the first step of
   * the chain: the server keeps a peer only as long as the signaling
   * connection that made it, and the network may have changed.
   * @param {import("./protocol.js").Joined} j
   */
  async joined(j) {
    this.iceServers = j.ice_servers || [];
    this.callMode = j.call_mode || "sfu";
    this.me = j.you?.user_id || 0;
    this.others = new Set((j.participants || []).filter((p) => p.role !== "ai" && p.user_id !== this.me).map((p) => p.user_id));
    this.aiPresent = (j.participants || []).some((p) => p.role === "ai");
    this.directFailed = false;
    await this.local.ready();
    this.devicesReady = true;
    this.step = 0;
    if (this.wantsDirect()) {
      this.startDirect();
      return;
    }
    if (this.callMode === "p2p") for (const id of this.others) this.declineDirect(id);
    this.tryStep();
  }

  /**
   * declineDirect tells the other browser not to wait for a direct
   * connection from this one.
   * @param {number} to
   */
  declineDirect(to) {
    this.signal.request("p2p.signal", { to, data: { fallback: true } }).catch(() => {});
  }

  // Peer-to-peer ---------------------------------------------------------

  // wantsDirect says whether this call connects the browsers directly.
  // The AI co-coach is a participant of the SFU: with it in the call, the
  // browsers go through the SFU too, or it would hear nobody.
  wantsDirect() {
    return this.callMode === "p2p" && !this.directFailed && this.media !== "tunnel" && this.others.size <= 1 && !this.aiPresent;
  }

  /**
   * startDirect connects to the other person, when there is one: the one
   * with the lower user ID offers, the other waits for the offer.
   * @param {boolean} [offer]
   */
  startDirect(offer = true) {
    const other = [...this.others][0];
    this.close();
    this.setState("connecting");
    if (!other) return; // alone: the other's arrival starts it
    const link = new DirectLink({
      signal: this.signal, other, polite: this.me > other, iceServers: this.iceServers, turnOnly: this.turnOnly,
      tracks: { ...this.tracks },
      onTrack: (purpose, track) => this.directTrack(link, other, purpose, track),
      onState: (s) => this.directState(link, s),
    });
    this.direct = link;
    this.pc = link.pc; // for the statistics
    if (offer && !link.polite) link.offer();
    this.readStatsEvery();
    clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => {
      if (this.direct === link && this.state !== "connected") this.fallBack(true);
    }, DIRECT_TIMEOUT);
  }

  /**
   * @param {DirectLink} link
   * @param {number} other
   * @param {Purpose} purpose
   * @param {MediaStreamTrack} track
   */
  directTrack(link, other, purpose, track) {
    if (link !== this.direct) return;
    const entry = this.remote.get(other) || {};
    entry[purpose] = new MediaStream([track]);
    this.remote.set(other, entry);
    track.onunmute = () => this.changed();
    track.onended = () => {
      const streams = this.remote.get(other);
      if (streams?.[purpose]?.getTracks()[0] === track) delete streams[purpose];
      this.changed();
    };
    this.changed();
  }

  /**
   * @param {DirectLink} link
   * @param {RTCPeerConnectionState} s
   */
  directState(link, s) {
    if (link !== this.direct) return;
    if (s === "connected") {
      this.setState("connected");
      this.setPathName("p2p");
    } else if (s === "failed") {
      this.fallBack(true);
    } else if (s === "disconnected") {
      this.setState("reconnecting");
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => {
        if (link === this.direct && link.pc.connectionState !== "connected") this.fallBack(true);
      }, RESTART_GRACE);
    }
  }

  /**
   * fallBack leaves peer-to-peer for the SFU, and tells the other browser
   * to do the same.
   * @param {boolean} tell
   */
  fallBack(tell) {
    if (this.directFailed) return;
    this.directFailed = true;
    const link = this.direct;
    if (tell && link) link.send({ fallback: true });
    this.step = 0;
    this.tryStep();
  }

  /**
   * p2pSignal takes the other browser's signaling.
   * @param {number} from
   * @param {import("./p2p.js").DirectSignal} data
   */
  p2pSignal(from, data) {
    if (data.fallback) {
      this.fallBack(false);
      return;
    }
    if (!this.wantsDirect()) {
      if (data.fresh) this.declineDirect(from); // we cannot (or no longer) connect directly
      return;
    }
    if (data.fresh || !this.direct || this.direct.other !== from) {
      this.others.add(from);
      this.startDirect(false);
    }
    this.direct?.receive(data);
  }

  /**
   * peerJoined and peerLeft follow the other people: a newcomer is offered
   * a direct connection (by the side that offers); one who left ends it.
   * @param {import("./protocol.js").Participant} p
   */
  peerJoined(p) {
    if (p.role === "ai") {
      this.aiPresent = true;
      if (this.direct) this.fallBack(true); // everyone through the SFU, where the AI is
      return;
    }
    if (p.user_id === this.me) return;
    this.others.add(p.user_id);
    if (this.callMode !== "p2p" || !this.devicesReady) return;
    if (this.wantsDirect()) {
      this.startDirect(); // we offer, or wait for their offer
      return;
    }
    if (this.direct) this.fallBack(true); // a third person: everyone through the SFU
    else this.declineDirect(p.user_id);
  }

  /** @param {number} id */
  peerLeft(id) {
    this.others.delete(id);
    if (this.direct?.other === id) {
      this.close();
      this.setState("connecting");
    }
  }

  // steps is the fallback chain for this browser and server.
  steps() {
    return chainSteps({ media: this.media, turnOnly: this.turnOnly, iceServers: this.iceServers, canTunnel: tunnelSupported() });
  }

  // tryStep connects by the current step, and moves to the next one if it
  // has not connected in time.
  tryStep() {
    const steps = this.steps();
    const step = steps[Math.min(this.step, steps.length - 1)];
    this.stepName = step;
    if (step === "tunnel") this.connectTunnel();
    else this.connect(step === "turn-tcp");
    clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => {
      if (this.state === "connected" || this.state === "off") return;
      this.step = nextStep(this.step, steps.length); // after the last, the chain starts over
      this.tryStep();
    }, STEP_TIMEOUT);
  }

  // connectTunnel asks the room connection for a tunnel ticket and opens the
  // media tunnel's WebSocket.
  async connectTunnel() {
    this.close();
    this.setState("connecting");
    let ticket;
    try {
      ticket = (await this.signal.request("media.tunnel", {})).data.ticket;
    } catch (e) {
      if (/** @type {any} */ (e)?.code !== "disconnected") console.warn("tunnel:", e); // disconnected: the next join starts over
      return; // the step's timer moves on
    }
    if (this.stepName !== "tunnel" || this.state === "off") return;
    const room = location.pathname.split("/")[2];
    const url = socketURL(`/rooms/${encodeURIComponent(room)}/media?ticket=${encodeURIComponent(ticket)}`);
    const link = new TunnelLink({
      url,
      onRemote: (user, purpose, stream) => this.tunneled(user, purpose, stream),
      onState: (s) => this.tunnelState(link, s),
    });
    this.link = link;
    for (const p of PURPOSES) {
      const track = this.tracks[p];
      if (track) link.setTrack(p, track);
    }
    for (const [stream, [w, h]] of this.views) link.view(stream, w, h);
    this.readStatsEvery();
  }

  /**
   * @param {number} user
   * @param {Purpose} purpose
   * @param {MediaStream|null} stream
   */
  tunneled(user, purpose, stream) {
    const entry = this.remote.get(user) || {};
    if (stream) entry[purpose] = stream;
    else delete entry[purpose];
    this.remote.set(user, entry);
    this.changed();
  }

  /**
   * tunnelState follows the tunnel's WebSocket: one that closes under a call
   * is opened again.
   * @param {TunnelLink} link
   * @param {string} s
   */
  tunnelState(link, s) {
    if (link !== this.link) return;
    if (s === "connected") {
      this.setState("connected");
      this.setPathName("tunnel");
      return;
    }
    this.link = null;
    this.setState("reconnecting");
    setTimeout(() => {
      if (this.state === "reconnecting" && !this.link && !this.pc && this.stepName === "tunnel") this.connectTunnel();
    }, TUNNEL_RETRY);
  }

  /**
   * frame takes the server's media frames.
   * @param {import("./protocol.js").Frame} f
   */
  frame(f) {
    const pc = this.pc;
    // Before the answer to this connection's first offer, what comes is
    // the previous peer's (the server answers before it offers, and holds
    // its candidates until then).
    if (!pc || this.direct || this.answered !== pc) return;
    if (f.type === "media.offer") this.enqueue(() => this.answer(pc, f.data.sdp));
    else if (f.type === "media.candidate") this.enqueue(() => pc.addIceCandidate(f.data).catch(() => {}));
  }

  /**
   * connect makes a peer connection with the SFU; tcpOnly keeps to TURN
   * over TCP and TLS (the chain's second step).
   * @param {boolean} [tcpOnly]
   */
  connect(tcpOnly = false) {
    this.close();
    const servers = tcpOnly ? tcpTurn(this.iceServers) : this.iceServers;
    const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: this.turnOnly || tcpOnly ? "relay" : "all", bundlePolicy: "max-bundle" });
    this.pc = pc;
    this.transceivers = {};
    for (const purpose of PURPOSES) {
      const kind = purpose === "mic" ? "audio" : "video";
      /** @type {RTCRtpTransceiverInit} */
      const init = { direction: "sendonly" };
      if (purpose === "camera" && this.simulcast) init.sendEncodings = SIMULCAST;
      const t = pc.addTransceiver(kind, init);
      this.transceivers[purpose] = t;
      const track = this.tracks[purpose];
      if (track) t.sender.replaceTrack(track);
    }
    pc.onnegotiationneeded = () => this.enqueue(() => this.offer(pc));
    pc.onicecandidate = (e) => {
      if (e.candidate && pc === this.pc) this.signal.notify("media.candidate", e.candidate.toJSON());
    };
    pc.ontrack = (e) => this.track(e);
    pc.onconnectionstatechange = () => this.connectionChanged(pc);
    this.setState("connecting");
    this.readStatsEvery();
  }

  /**
   * view tells the server how large a stream ("12-camera") is shown, when
   * that changes, so that it sends a layer no larger than needed.
   * @param {string} stream
   * @param {number} width
   * @param {number} height
   */
  view(stream, width, height) {
    this.views.set(stream, [Math.round(width), Math.round(height)]);
    this.link?.view(stream, Math.round(width), Math.round(height));
    this.tell();
  }

  // tell sends the sizes the server has not heard, once it has our peer.
  tell() {
    if (!this.pc || !this.offered) return;
    for (const [stream, [width, height]] of this.views) {
      const size = `${width}x${height}`;
      if (this.told.get(stream) === size) continue;
      this.told.set(stream, size);
      this.enqueue(() => this.signal.request("media.view", { stream, width, height }));
    }
  }

  close() {
    this.told.clear();
    this.offered = false;
    clearTimeout(this.restartTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
    const link = this.link;
    this.link = null;
    link?.close();
    this.direct = null; // its peer connection was this.pc
    this.remote.clear();
    this.chain = Promise.resolve();
  }

  /**
   * enqueue runs a negotiation step after the ones before it. A step cut
   * short by a lost connection needs nothing more: the next join makes the
   * peer connection anew. One the server never answered starts it over.
   * @param {() => unknown} step
   */
  enqueue(step) {
    const pc = this.pc;
    this.chain = this.chain.then(step).catch((e) => {
      if (e?.code === "disconnected" || pc !== this.pc) return; // a step of a connection already replaced
      if (e?.code === "timeout" && pc === this.pc) {
        this.connect();
        return;
      }
      console.warn("media:", e);
    });
    return this.chain;
  }

  /** @param {RTCPeerConnection} pc */
  async offer(pc) {
    if (pc !== this.pc || pc.signalingState !== "stable") return;
    await pc.setLocalDescription();
    /** @type {Object<string, string>} mid -> purpose */
    const tracks = {};
    for (const [purpose, t] of Object.entries(this.transceivers)) if (t.mid) tracks[t.mid] = purpose;
    let a;
    try {
      // The first offer of a new RTCPeerConnection says so: the server's
      // peer for this connection starts over too.
      const fresh = !this.offered;
      a = (await this.signal.request("media.offer", { sdp: pc.localDescription?.sdp, tracks, ...(fresh ? { new: true } : {}) })).data;
      if (pc === this.pc) this.answered = pc; // before any later frame is read
    } catch (e) {
      if (/** @type {any} */ (e)?.code === "conflict") return; // the server's offer stands: it comes next, and rolls this one back
      throw e;
    }
    const signaling = /** @type {RTCSignalingState} */ (pc.signalingState); // it changed while the server answered
    if (pc === this.pc && signaling === "have-local-offer") await pc.setRemoteDescription({ type: "answer", sdp: a.sdp });
    if (pc === this.pc && !this.offered) {
      this.offered = true;
      this.tell();
    }
  }

  /**
   * @param {RTCPeerConnection} pc
   * @param {string} sdp
   */
  async answer(pc, sdp) {
    if (pc !== this.pc) return;
    await pc.setRemoteDescription({ type: "offer", sdp }); // rolls back an offer of ours that crossed it
    await pc.setLocalDescription();
    if (pc !== this.pc) return; // replaced meanwhile: the server has a new peer, with no offer to answer
    try {
      await this.signal.request("media.answer", { sdp: pc.localDescription?.sdp });
    } catch (e) {
      // The server's peer is not where ours is (it was made anew, say, as
      // the call moved from peer-to-peer to the SFU): start over with it.
      if (/** @type {any} */ (e)?.code === "conflict" && pc === this.pc) {
        this.connect();
        return;
      }
      throw e;
    }
  }

  /**
   * track files a received track under its publisher and purpose.
   * @param {RTCTrackEvent} e
   */
  track(e) {
    const stream = e.streams[0];
    const m = /^(\d+)-(mic|camera|screen)$/.exec(stream?.id || "");
    if (!m) return;
    const user = Number(m[1]);
    const purpose = /** @type {Purpose} */ (m[2]);
    const entry = this.remote.get(user) || {};
    entry[purpose] = stream;
    this.remote.set(user, entry);
    const gone = () => {
      if (stream.getTracks().some((t) => t.readyState === "live")) return;
      const streams = this.remote.get(user);
      if (streams?.[purpose] === stream) delete streams[purpose];
      this.changed();
    };
    stream.onremovetrack = gone;
    e.track.onended = gone;
    e.track.onunmute = () => this.changed();
    this.changed();
  }

  /** @param {RTCPeerConnection} pc */
  connectionChanged(pc) {
    if (pc !== this.pc) return;
    switch (pc.connectionState) {
      case "connected":
        clearTimeout(this.restartTimer);
        this.restartTimer = 0;
        this.setState("connected");
        break;
      case "disconnected":
      case "failed":
        this.setState("reconnecting");
        if (!this.restartTimer) {
          pc.restartIce();
          this.restartTimer = setTimeout(() => {
            this.restartTimer = 0;
            if (pc === this.pc && pc.connectionState !== "connected") {
              this.step = 0; // down the chain again: the network has changed
              this.tryStep();
            }
          }, RESTART_GRACE);
        }
        break;
    }
  }

  /** @param {string} s */
  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  // Devices (tracks.js) ----------------------------------------------

  /** The local tracks: mic, camera, screen. */
  get tracks() {
    return this.local.tracks;
  }

  get micOn() {
    return this.local.micOn;
  }

  /** What went wrong with a device, in words for the person; "" when nothing did. */
  get deviceError() {
    return this.local.deviceError;
  }

  get micLive() {
    return this.local.micLive;
  }

  get camLive() {
    return !!this.tracks.camera;
  }

  get sharing() {
    return !!this.tracks.screen;
  }

  toggleMic() {
    this.local.toggleMic();
  }

  toggleCamera() {
    return this.local.toggleCamera();
  }

  toggleScreen() {
    return this.local.toggleScreen();
  }

  /**
   * useDevice switches the microphone or camera to another device.
   * @param {"audioinput"|"videoinput"} kind
   * @param {string} deviceId
   */
  useDevice(kind, deviceId) {
    return this.local.useDevice(kind, deviceId);
  }

  /**
   * sendTrack sends another local track (or none) on whatever link
   * carries the call.
   * @param {Purpose} purpose
   * @param {MediaStreamTrack|null} track
   */
  sendTrack(purpose, track) {
    this.transceivers[purpose]?.sender.replaceTrack(track).catch(() => {});
    this.link?.setTrack(purpose, track);
    this.direct?.setTrack(purpose, track);
  }

  // Statistics (stats.js) ---------------------------------------------

  // readStatsEvery reads the statistics every STATS_EVERY ms from now on.
  readStatsEvery() {
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.readStats(), STATS_EVERY);
  }

  // readStats measures, for each person we receive, the video frames
  // decoded, packet loss and round-trip time, and rates the connection.
  async readStats() {
    if (this.link) {
      this.tunnelStats(this.link);
      return;
    }
    const pc = this.pc;
    if (!pc || pc.connectionState === "closed") return;
    const { stats, rtt, local } = await readPeerStats(pc, this.remote);
    rateWebRTC(stats, this.prevStats, rtt);
    this.prevStats = stats;
    this.stats = stats;
    this.setPathName(this.direct ? "p2p" : pathOf(local));
    this.dispatchEvent(new CustomEvent("stats", { detail: stats }));
  }

  /**
   * tunnelStats counts what the tunnel's decoders did, as readStats does
   * for a peer connection: frames decoded, audio energy, frames skipped.
   * @param {TunnelLink} link
   */
  tunnelStats(link) {
    const now = link.stats();
    rateTunnel(now, this.prevStats, STATS_EVERY);
    this.prevStats = now;
    this.stats = now;
    this.dispatchEvent(new CustomEvent("stats", { detail: now }));
  }

  /** @param {string} path */
  setPathName(path) {
    if (path !== this.path) {
      this.path = path;
      this.changed();
    }
  }

  // hangUp ends the call and releases the devices (the camera's light goes
  // off); the next join opens them again.
  hangUp() {
    clearInterval(this.statsTimer);
    clearTimeout(this.stepTimer);
    this.close();
    this.local.release();
    this.devicesReady = false;
    this.direct = null;
    this.setState("off");
  }
}

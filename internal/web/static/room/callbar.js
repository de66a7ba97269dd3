// @ts-check
// The call bar: the buttons that float over the video (microphone, camera,
// screen, layout, devices), what the call's media is doing, and the
// devices panel, which lists what the browser has and shows the
// microphone's level while it is open.

import { levelMeter } from "./check.js";

/** @typedef {import("./media.js").Call} Call */

const MEDIA_TEXT = /** @type {Object<string, string>} */ ({
  connecting: "Connecting video and audio…",
  reconnecting: "Video and audio are reconnecting…",
  failed: "Video and audio could not connect.",
});

/** @type {Object<string, string>} */
const DEVICE_NAMES = { audioinput: "Microphone", videoinput: "Camera", audiooutput: "Speaker" };

export class CallBar {
  /**
   * @param {HTMLElement} bar
   * @param {Call} call
   * @param {{onLayout: () => void}} events
   */
  constructor(bar, call, { onLayout }) {
    this.bar = bar;
    this.call = call;
    this.state = /** @type {HTMLElement} */ (bar.querySelector("[data-call-state]"));
    this.panel = /** @type {HTMLDetailsElement} */ (bar.querySelector("[data-devices]"));
    this.sinkId = ""; // the speaker chosen, "" for the default
    /** @type {{track: MediaStreamTrack, stop: () => void}|null} */
    this.meter = null;
    this.button("mic").addEventListener("click", () => call.local.toggleMic());
    this.button("cam").addEventListener("click", () => call.local.toggleCamera());
    this.button("screen").addEventListener("click", () => call.local.toggleScreen());
    this.button("layout").addEventListener("click", () => {
      const grid = this.button("layout").getAttribute("aria-pressed") !== "true";
      this.button("layout").setAttribute("aria-pressed", String(grid));
      onLayout();
    });
    if (!navigator.mediaDevices?.getDisplayMedia) this.button("screen").hidden = true;
    const speaker = /** @type {HTMLElement} */ (bar.querySelector("[data-speaker-field]"));
    if (!("setSinkId" in HTMLMediaElement.prototype)) speaker.hidden = true;
    call.addEventListener("change", () => this.show());
    this.show();
    this.panel.addEventListener("toggle", () => this.toggled());
    this.panel.addEventListener("change", (e) => this.chosen(/** @type {HTMLSelectElement} */ (e.target)));
  }

  /**
   * @param {string} name
   * @returns {HTMLButtonElement}
   */
  button(name) {
    return /** @type {HTMLButtonElement} */ (this.bar.querySelector(`[data-ctl="${name}"]`));
  }

  /**
   * set shows a button's state, its label and its title.
   * @param {string} name
   * @param {boolean} on
   * @param {string} text
   * @param {string} title
   */
  set(name, on, text, title) {
    const b = this.button(name);
    b.setAttribute("aria-pressed", String(on));
    const label = /** @type {HTMLElement} */ (b.querySelector("[data-ctl-text]"));
    label.textContent = text;
    b.title = title;
  }

  // show draws the buttons and the media's state from the call.
  show() {
    const call = this.call;
    const dev = call.local;
    this.set("mic", dev.micLive, dev.micLive ? "Mute" : "Unmute", dev.micLive ? "Mute the microphone" : "Unmute the microphone");
    this.set("cam", dev.camLive, dev.camLive ? "Stop video" : "Start video", dev.camLive ? "Turn the camera off" : "Turn the camera on");
    this.set("screen", dev.sharing, dev.sharing ? "Stop sharing" : "Share screen", dev.sharing ? "Stop sharing your screen" : "Share your screen");
    this.button("mic").disabled = !dev.tracks.mic;
    this.state.textContent = dev.deviceError || MEDIA_TEXT[call.state] || "";
    this.state.dataset.kind = dev.deviceError ? "error" : call.state;
  }

  // toggled fills the devices panel as it opens, and stops its meter as
  // it closes.
  async toggled() {
    const panel = this.panel;
    if (!panel.open) {
      this.meter?.stop();
      this.meter = null;
      return;
    }
    const { tracks } = this.call.local;
    const devices = await navigator.mediaDevices.enumerateDevices();
    /** @type {Object<string, string|undefined>} */
    const current = { audioinput: tracks.mic?.getSettings().deviceId, videoinput: tracks.camera?.getSettings().deviceId, audiooutput: this.sinkId };
    for (const select of panel.querySelectorAll("select[data-device]")) {
      const kind = /** @type {HTMLSelectElement} */ (select).dataset.device || "";
      const list = devices.filter((d) => d.kind === kind);
      select.replaceChildren(...list.map((d, i) => new Option(d.label || `${DEVICE_NAMES[kind]} ${i + 1}`, d.deviceId, false, d.deviceId === current[kind])));
      /** @type {HTMLSelectElement} */ (select).disabled = list.length === 0;
    }
    const bar = /** @type {HTMLElement} */ (panel.querySelector("[data-mic-meter]"));
    if (tracks.mic) this.meter = levelMeter(tracks.mic, bar);
  }

  /**
   * chosen switches to the device picked in the panel.
   * @param {HTMLSelectElement} select
   */
  chosen(select) {
    const kind = select.dataset.device;
    if (!kind) return;
    if (kind === "audiooutput") {
      this.sinkId = select.value;
      for (const a of document.querySelectorAll(".tile audio")) /** @type {any} */ (a).setSinkId?.(this.sinkId).catch(() => {});
    } else {
      this.call.local.useDevice(/** @type {"audioinput"|"videoinput"} */ (kind), select.value);
    }
  }
}

// @ts-check
// The call's local tracks: the microphone, the camera and the shared
// screen. It opens the devices (settling for either one, or none: the
// call still receives), mutes, stops and restarts them, and switches to
// another device; every change is reported, so that the call sends the
// new track on whatever link carries it.

import { errorText } from "./dom.js";
import { mark } from "./marks.js";

/** @typedef {"mic"|"camera"|"screen"} Purpose */

/** The purposes of a participant's tracks, in the order they are sent. */
export const PURPOSES = /** @type {const} */ (["mic", "camera", "screen"]);

/**
 * kindOf is the kind of media a purpose's track is.
 * @param {Purpose} purpose
 * @returns {"audio"|"video"}
 */
export function kindOf(purpose) {
  return purpose === "mic" ? "audio" : "video";
}

// CAMERA are the camera constraints: 720p at most, 30 frames a second.
const CAMERA = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
const MIC = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/**
 * @typedef {object} TracksEvents
 * @property {() => void} onChange a device, or what is said of it, changed
 * @property {(purpose: Purpose, track: MediaStreamTrack|null) => void} onTrack a track to send instead
 */

export class LocalTracks {
  /** @param {TracksEvents} events */
  constructor({ onChange, onTrack }) {
    this.onChange = onChange;
    this.onTrack = onTrack;
    /** @type {Record<Purpose, MediaStreamTrack|null>} */
    this.tracks = { mic: null, camera: null, screen: null };
    this.micOn = true;
    this.deviceError = "";
    /** @type {{audioinput?: string, videoinput?: string}} the devices chosen in the devices panel */
    this.chosen = {};
    /** @type {Promise<void>|null} the devices being opened, until released */
    this.opening = null;
  }

  /**
   * ready opens the devices once (again after release) and resolves when
   * they are open, or found missing.
   * @returns {Promise<void>}
   */
  ready() {
    this.opening ||= this.open();
    return this.opening;
  }

  // open asks for the camera and microphone, settling for either one.
  async open() {
    for (const want of [{ audio: MIC, video: CAMERA }, { audio: MIC }, { video: CAMERA }]) {
      try {
        const s = await navigator.mediaDevices.getUserMedia(want);
        this.tracks.mic = s.getAudioTracks()[0] || null;
        this.tracks.camera = s.getVideoTracks()[0] || null;
        if (this.tracks.mic) this.tracks.mic.enabled = this.micOn;
        mark("camera");
        this.deviceError = want.video && want.audio ? "" : want.video ? "No microphone was found." : "No camera was found.";
        this.onChange();
        return;
      } catch (e) {
        if (e instanceof Error && e.name === "NotAllowedError") {
          this.deviceError = "The browser was not allowed to use the camera and microphone. Allow them in the address bar to be seen and heard.";
          break;
        }
        this.deviceError = "No camera or microphone was found.";
      }
    }
    this.onChange();
  }

  // release stops every track (the camera's light goes off); the next
  // ready opens them again.
  release() {
    for (const p of PURPOSES) {
      this.tracks[p]?.stop();
      this.tracks[p] = null;
    }
    this.opening = null;
  }

  get micLive() {
    return !!this.tracks.mic && this.micOn;
  }

  get camLive() {
    return !!this.tracks.camera;
  }

  get sharing() {
    return !!this.tracks.screen;
  }

  toggleMic() {
    this.micOn = !this.micOn;
    if (this.tracks.mic) this.tracks.mic.enabled = this.micOn;
    this.onChange();
  }

  // toggleCamera stops the camera (its light goes off) or starts it again.
  async toggleCamera() {
    if (this.tracks.camera) {
      this.tracks.camera.stop();
      this.set("camera", null);
      return;
    }
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video: { ...CAMERA, ...this.deviceConstraint("camera") } });
      this.set("camera", s.getVideoTracks()[0]);
      this.deviceError = "";
    } catch (e) {
      this.deviceError = "The camera could not be started: " + why(e);
      this.onChange();
    }
  }

  async toggleScreen() {
    if (this.tracks.screen) {
      this.tracks.screen.stop();
      this.set("screen", null);
      return;
    }
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
      const t = s.getVideoTracks()[0];
      t.contentHint = "detail";
      t.onended = () => this.set("screen", null); // the browser's own "Stop sharing"
      this.set("screen", t);
    } catch (e) {
      if (!(e instanceof Error && e.name === "NotAllowedError")) {
        this.deviceError = "The screen could not be shared: " + why(e);
        this.onChange();
      }
    }
  }

  /**
   * useDevice switches the microphone or camera to another device.
   * @param {"audioinput"|"videoinput"} kind
   * @param {string} deviceId
   */
  async useDevice(kind, deviceId) {
    this.chosen = { ...this.chosen, [kind]: deviceId };
    const purpose = kind === "audioinput" ? "mic" : "camera";
    const old = this.tracks[purpose];
    if (!old && purpose === "camera") return; // the camera is off: the choice applies when it is turned on
    try {
      const c = { deviceId: { exact: deviceId } };
      const s = await navigator.mediaDevices.getUserMedia(purpose === "mic" ? { audio: { ...MIC, ...c } } : { video: { ...CAMERA, ...c } });
      const t = purpose === "mic" ? s.getAudioTracks()[0] : s.getVideoTracks()[0];
      if (purpose === "mic") t.enabled = this.micOn;
      old?.stop();
      this.set(purpose, t);
    } catch (e) {
      this.deviceError = "That device could not be used: " + why(e);
      this.onChange();
    }
  }

  /**
   * @param {Purpose} purpose
   * @returns {{deviceId?: {exact: string}}}
   */
  deviceConstraint(purpose) {
    const id = this.chosen[purpose === "mic" ? "audioinput" : "videoinput"];
    return id ? { deviceId: { exact: id } } : {};
  }

  /**
   * @param {Purpose} purpose
   * @param {MediaStreamTrack|null} track
   */
  set(purpose, track) {
    this.tracks[purpose] = track;
    this.onTrack(purpose, track);
    this.onChange();
  }
}

/**
 * why is what went wrong, in the browser's words.
 * @param {unknown} e
 * @returns {string}
 */
function why(e) {
  return errorText(e, e instanceof Error ? e.name : String(e));
}

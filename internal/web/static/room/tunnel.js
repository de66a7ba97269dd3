// @ts-check
// The media tunnel: the call's video and audio for a browser that cannot use
// WebRTC at all (docs/protocol.md, "The media tunnel"). The camera, the
// screen and the microphone are encoded here with WebCodecs (VP8 and Opus)
// and their frames sent over a WebSocket; the server puts them into the SFU
// like any participant's tracks, and sends back everyone else's tracks as
// frames, which are decoded here and played through generated
// MediaStreamTracks, so that the room shows them like any other stream.
//
// This module is the WebSocket and what goes over it besides media (the
// tracks on offer, keyframe requests, the sizes shown); the encoders are
// encoder.js's, the decoders decoder.js's, the frames' format
// tunnelwire.js's.
//
// Back-pressure: a socket that cannot keep up (its buffer past a limit)
// loses video up to the next keyframe, which is asked of our own encoder;
// audio is sent while it can be. A decoder that falls behind, or a frame
// it cannot decode, waits for a keyframe, which is asked of the publisher.

import { TrackEncoder } from "./encoder.js";
import { TrackDecoder } from "./decoder.js";
import { readFrame } from "./tunnelwire.js";
import { emptyStats } from "./stats.js";
import { PURPOSES } from "./tracks.js";
import { socketURL } from "./dom.js";

const SEND_BUFFER = 1 << 20; // bytes the socket may hold before video waits for a keyframe

/** @typedef {import("./tracks.js").Purpose} Purpose */

/** @typedef {import("./decoder.js").TunnelTrack} TunnelTrack */

// tunnelSupported says whether this browser can use the tunnel: WebCodecs,
// and tracks to read frames from and to play them into.
export function tunnelSupported() {
  return typeof VideoEncoder === "function" && typeof AudioEncoder === "function" &&
    typeof VideoDecoder === "function" && typeof AudioDecoder === "function" &&
    typeof MediaStreamTrackProcessor === "function" && typeof MediaStreamTrackGenerator === "function";
}

/**
 * tunnelURL asks the room connection for a ticket to this room's tunnel,
 * and gives the tunnel's address with it.
 * @param {import("./signal.js").Signal} signal
 * @returns {Promise<string>}
 */
export async function tunnelURL(signal) {
  const ticket = (await signal.request("media.tunnel", {})).data.ticket;
  const room = location.pathname.split("/")[2];
  return socketURL(`/rooms/${encodeURIComponent(room)}/media?ticket=${encodeURIComponent(ticket)}`);
}

// TunnelLink is one tunnel WebSocket and the encoders and decoders around it.
export class TunnelLink {
  /**
   * @param {object} o
   * @param {string} o.url the tunnel's WebSocket, with its ticket
   * @param {Record<Purpose, MediaStreamTrack|null>} o.tracks our local tracks, to send
   * @param {Map<string, [number, number]>} o.views stream id -> the size it is shown at
   * @param {(user: number, purpose: Purpose, stream: MediaStream|null) => void} o.onRemote files received streams
   * @param {(state: "connected"|"closed") => void} o.onState
   */
  constructor({ url, tracks, views, onRemote, onState }) {
    this.onRemote = onRemote;
    this.onState = onState;
    /** @type {Map<Purpose, TrackEncoder>} */
    this.encoders = new Map();
    /** @type {Map<number, TrackDecoder>} track number -> decoder */
    this.decoders = new Map();
    /** @type {Map<string, [number, number]>|undefined} stream id -> size shown */
    this.views = undefined;
    this.closed = false;
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => {
      this.onState("connected");
      for (const [stream, size] of this.views || []) this.sendView(stream, size);
    };
    this.ws.onclose = () => this.close();
    this.ws.onmessage = (e) => (typeof e.data === "string" ? this.control(JSON.parse(e.data)) : this.frame(e.data));
    for (const p of PURPOSES) {
      const track = tracks[p];
      if (track) this.setTrack(p, track);
    }
    for (const [stream, [w, h]] of views) this.view(stream, w, h);
  }

  /**
   * setTrack starts (or stops, with null) sending a local track.
   * @param {Purpose} purpose
   * @param {MediaStreamTrack|null} track
   */
  setTrack(purpose, track) {
    this.encoders.get(purpose)?.close();
    this.encoders.delete(purpose);
    if (track && !this.closed) this.encoders.set(purpose, new TrackEncoder(purpose, track, (b, video) => this.send(b, video)));
  }

  /**
   * send writes a frame unless the socket is too far behind; a video frame
   * that cannot go returns false, and its encoder waits for a keyframe.
   * @param {ArrayBuffer} buf
   * @param {boolean} video
   * @returns {boolean}
   */
  send(buf, video) {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    if (video && this.ws.bufferedAmount > SEND_BUFFER) return false;
    if (!video && this.ws.bufferedAmount > 4 * SEND_BUFFER) return false;
    this.ws.send(buf);
    return true;
  }

  /** @param {{type: string, tracks?: TunnelTrack[], purpose?: Purpose, error?: {message?: string}}} m */
  control(m) {
    switch (m.type) {
      case "tracks":
        this.tracks(m.tracks || []);
        break;
      case "keyframe":
        if (m.purpose) this.encoders.get(m.purpose)?.keyframe();
        break;
      case "error":
        console.warn("tunnel:", m.error?.message);
        break;
    }
  }

  /**
   * tracks makes a decoder for each new track and ends the ones gone.
   * @param {TunnelTrack[]} list
   */
  tracks(list) {
    const now = new Set(list.map((t) => t.track));
    for (const [n, d] of this.decoders) {
      if (now.has(n)) continue;
      d.close();
      this.decoders.delete(n);
      this.onRemote(d.user, d.purpose, null);
    }
    for (const t of list) {
      if (this.decoders.has(t.track)) continue;
      const d = new TrackDecoder(t, () => this.ask(t.track));
      this.decoders.set(t.track, d);
      this.onRemote(t.user_id, t.purpose, d.stream);
    }
  }

  /** @param {ArrayBuffer} buf */
  frame(buf) {
    const f = readFrame(buf);
    const d = f && this.decoders.get(f.track);
    if (f && d) d.push(f.key, f.timestamp, f.data);
  }

  /** @param {number} track */
  ask(track) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "keyframe", track }));
  }

  /**
   * view tells the server how large a stream is shown.
   * @param {string} stream
   * @param {number} width
   * @param {number} height
   */
  view(stream, width, height) {
    this.views = this.views || new Map();
    this.views.set(stream, [width, height]);
    if (this.ws.readyState === WebSocket.OPEN) this.sendView(stream, [width, height]);
  }

  /**
   * @param {string} stream
   * @param {[number, number]} size
   */
  sendView(stream, [width, height]) {
    this.ws.send(JSON.stringify({ type: "view", stream, width, height }));
  }

  /**
   * stats are, per user, the video frames decoded and the audio energy
   * played, as getStats would count them.
   * @returns {import("./stats.js").Stats}
   */
  stats() {
    /** @type {import("./stats.js").Stats} */
    const out = new Map();
    for (const d of this.decoders.values()) {
      const s = out.get(d.user) || emptyStats(0);
      s.frames += d.framesDecoded;
      s.energy += d.energy;
      s.received += d.received;
      s.lost += d.skipped;
      out.set(d.user, s);
    }
    return out;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.encoders.values()) e.close();
    for (const d of this.decoders.values()) {
      d.close();
      this.onRemote(d.user, d.purpose, null);
    }
    this.encoders.clear();
    this.decoders.clear();
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close();
    this.onState("closed");
  }
}

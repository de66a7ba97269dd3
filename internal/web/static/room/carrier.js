// @ts-check
// What carries the call now: one link at a time, the peer connection with
// the SFU (sfu.js), the media tunnel (tunnel.js) or the other browser
// (p2p.js). The Carrier hands that link the local tracks and the sizes
// the streams are shown at, files the streams it brings (remote.js),
// follows its state and network path, and reads its statistics every
// second (stats.js). Which link it is, and when it changes, is the Call's
// to decide (media.js, which extends this).
//
// Events (on the Carrier, an EventTarget):
//   "change" the local devices, the remote streams, the state or the path changed
//   "stats"  detail: Map user id -> {frames, fps, loss, rtt, quality, energy}
//
// For tests and diagnostics: pc is the peer connection that carries the
// call (the SFU's or the other browser's), link the tunnel on its step,
// remote the received streams by user id.

import { pathOf, rateTunnel, rateWebRTC, readPeerStats } from "./stats.js";
import { RemoteStreams } from "./remote.js";
import { mark } from "./marks.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */

const STATS_EVERY = 1000;

// Carrier is the call's media as the page sees it, whichever link brings it.
export class Carrier extends EventTarget {
  constructor() {
    super();
    /** @type {import("./sfu.js").SFULink|null} the peer connection with the SFU, on a WebRTC step */
    this.sfu = null;
    /** @type {import("./tunnel.js").TunnelLink|null} the tunnel, on the tunnel step */
    this.link = null;
    /** @type {import("./p2p.js").DirectLink|null} the other browser, in a peer-to-peer call */
    this.direct = null;
    /** @type {Map<string, [number, number]>} stream id -> [width, height] shown */
    this.views = new Map();
    /** @type {RemoteStreams} user id -> their streams */
    this.remote = new RemoteStreams(() => this.changed());
    this.state = "off"; // off, connecting, connected, reconnecting, failed
    this.path = "none";
    /** @type {import("./stats.js").Stats} */
    this.stats = new Map();
    /** @type {import("./stats.js").Stats} */
    this.prevStats = new Map();
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.statsTimer = undefined;
  }

  /** The peer connection that carries the call: the SFU's, or the other browser's. */
  get pc() {
    return this.sfu?.pc || this.direct?.pc || null;
  }

  /**
   * sendTrack sends another local track (or none) on whatever link
   * carries the call.
   * @param {Purpose} purpose
   * @param {MediaStreamTrack|null} track
   */
  sendTrack(purpose, track) {
    this.sfu?.setTrack(purpose, track);
    this.link?.setTrack(purpose, track);
    this.direct?.setTrack(purpose, track);
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
    this.sfu?.tell();
  }

  /**
   * frame takes the server's media frames (for the SFU's peer connection).
   * @param {import("./protocol.js").Frame} f
   */
  frame(f) {
    this.sfu?.frame(f);
  }

  // close ends whatever link carries the call, and forgets what it brought.
  close() {
    const sfu = this.sfu;
    this.sfu = null;
    sfu?.close();
    const link = this.link;
    this.link = null;
    link?.close();
    const direct = this.direct;
    this.direct = null;
    direct?.close();
    this.remote.clear();
  }

  /** @param {string} s */
  setState(s) {
    if (this.state === s) return;
    this.state = s;
    if (s === "connected") mark("connected");
    this.changed();
  }

  /** @param {string} path */
  setPathName(path) {
    if (path !== this.path) {
      this.path = path;
      this.changed();
    }
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  // readStatsEvery reads the statistics every STATS_EVERY ms from now on.
  readStatsEvery() {
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.readStats(), STATS_EVERY);
  }

  stopStats() {
    clearInterval(this.statsTimer);
  }

  // readStats measures, for each person we receive, the video frames
  // decoded, packet loss and round-trip time, and rates the connection;
  // on the tunnel, it counts what the tunnel's decoders did (frames
  // decoded, audio energy, frames skipped).
  async readStats() {
    if (this.link) {
      const now = this.link.stats();
      rateTunnel(now, this.prevStats, STATS_EVERY);
      this.prevStats = now;
      this.stats = now;
      this.dispatchEvent(new CustomEvent("stats", { detail: now }));
      return;
    }
    const pc = this.pc;
    if (!pc || pc.connectionState === "closed") return;
    const { stats, rtt, local } = await readPeerStats(pc, this.remote);
    rateWebRTC(stats, this.prevStats, rtt);
    this.prevStats = stats;
    this.stats = stats;
    // A path is named once it carries the call: not while a direct
    // attempt has yet to connect (it may fall back to the server).
    if (this.state === "connected") this.setPathName(this.direct ? "p2p" : pathOf(local));
    this.dispatchEvent(new CustomEvent("stats", { detail: stats }));
  }
}

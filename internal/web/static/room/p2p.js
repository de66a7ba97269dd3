// @ts-check
// Peer-to-peer calls (docs/protocol.md, "Peer-to-peer"): in a room whose
// call mode is "p2p" the two browsers connect directly, with the same TURN
// servers as the SFU's, and signal through the room ("p2p.signal", which
// the server passes to the other person). The person with the lower user
// ID offers; the other answers. Each side says which of its m-lines (by
// mid) carries what (mic, camera, screen), so that a received track is
// filed under its purpose. When direct ICE cannot connect, either side
// sends {fallback: true} and both go to the SFU (media.js).

import { PURPOSES, kindOf } from "./tracks.js";
import { rtcConfig } from "./chain.js";
import { mark } from "./marks.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */

/**
 * What one browser sends the other through the room (p2p.signal's data).
 * @typedef {object} DirectSignal
 * @property {RTCSessionDescriptionInit} [description]
 * @property {RTCIceCandidateInit} [candidate]
 * @property {Object<string, Purpose>} [tracks] mid -> purpose, with an offer
 * @property {boolean} [fresh] the first offer of a new connection
 * @property {boolean} [fallback] go to the SFU, both of us
 */

// DirectLink is the peer connection with the other browser.
export class DirectLink {
  /**
   * @param {object} o
   * @param {import("./signal.js").Signal} o.signal
   * @param {number} o.other their user ID
   * @param {boolean} o.polite we answer rather than offer
   * @param {RTCIceServer[]} o.iceServers
   * @param {boolean} o.turnOnly TURN relays only
   * @param {Record<Purpose, MediaStreamTrack|null>} o.tracks our local tracks
   * @param {(purpose: Purpose, track: MediaStreamTrack) => void} o.onTrack
   * @param {(state: RTCPeerConnectionState) => void} o.onState
   */
  constructor({ signal, other, polite, iceServers, turnOnly, tracks, onTrack, onState }) {
    this.signal = signal;
    this.other = other;
    this.polite = polite;
    this.tracks = tracks;
    /** @type {Object<string, Purpose>} mid -> purpose, the same on both sides */
    this.purposes = {};
    /** @type {Partial<Record<Purpose, RTCRtpTransceiver>>} */
    this.transceivers = {};
    /** @type {RTCIceCandidateInit[]} candidates that came before the remote description */
    this.pending = [];
    /** @type {Promise<unknown>} */
    this.chain = Promise.resolve();
    /** made before our devices opened (media.js gives it our tracks once they do) */
    this.early = false;
    const pc = new RTCPeerConnection(rtcConfig(iceServers, turnOnly));
    mark("pc");
    /** @type {any} */ (pc).rapportPath = "p2p"; // what this connection is, for the page and for tests
    this.pc = pc;
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send({ candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      const purpose = this.purposes[e.transceiver.mid || ""];
      if (purpose) onTrack(purpose, e.track);
    };
    pc.onconnectionstatechange = () => onState(pc.connectionState);
  }

  // offer starts the connection (the impolite side): an m-line for each
  // purpose, sending and receiving.
  offer() {
    this.enqueue(async () => {
      for (const purpose of PURPOSES) {
        const t = this.pc.addTransceiver(kindOf(purpose), { direction: "sendrecv" });
        this.transceivers[purpose] = t;
        const track = this.tracks[purpose];
        if (track) await t.sender.replaceTrack(track);
      }
      await this.pc.setLocalDescription();
      for (const [purpose, t] of Object.entries(this.transceivers)) this.purposes[t.mid || ""] = /** @type {Purpose} */ (purpose);
      this.send({ description: this.pc.localDescription?.toJSON(), tracks: this.purposes, fresh: true });
    });
  }

  /**
   * receive takes the other side's description or candidate.
   * @param {DirectSignal} d
   */
  receive(d) {
    this.enqueue(async () => {
      if (d.description) await this.describe({ ...d, description: d.description });
      if (d.candidate) {
        if (this.pc.remoteDescription) await this.pc.addIceCandidate(d.candidate).catch(() => {});
        else this.pending.push(d.candidate);
      }
    });
  }

  /**
   * @param {DirectSignal & {description: RTCSessionDescriptionInit}} d
   */
  async describe(d) {
    if (d.tracks) this.purposes = d.tracks;
    await this.pc.setRemoteDescription(d.description);
    if (d.description.type === "offer") {
      for (const t of this.pc.getTransceivers()) {
        const purpose = this.purposes[t.mid || ""];
        if (!purpose) continue;
        t.direction = "sendrecv";
        this.transceivers[purpose] = t;
        const track = this.tracks[purpose];
        if (track) await t.sender.replaceTrack(track);
      }
      await this.pc.setLocalDescription();
      this.send({ description: this.pc.localDescription?.toJSON() });
    }
    for (const c of this.pending) await this.pc.addIceCandidate(c).catch(() => {});
    this.pending = [];
  }

  /**
   * setTrack sends another local track (or none) for a purpose.
   * @param {Purpose} purpose
   * @param {MediaStreamTrack|null} track
   */
  setTrack(purpose, track) {
    this.tracks = { ...this.tracks, [purpose]: track };
    this.transceivers[purpose]?.sender.replaceTrack(track).catch(() => {});
  }

  /** @param {DirectSignal} data */
  send(data) {
    this.signal.request("p2p.signal", { to: this.other, data }).catch(() => {});
  }

  /** @param {() => Promise<void>} step */
  enqueue(step) {
    this.chain = this.chain.then(step).catch((e) => {
      if (this.pc.signalingState !== "closed") console.warn("p2p:", e); // closed: the call moved on
    });
  }

  close() {
    this.pc.close();
  }
}

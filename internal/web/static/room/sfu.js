// @ts-check
// The call's peer connection with the server's SFU (docs/protocol.md,
// "Media"). It publishes the microphone, the camera and the screen on
// three send-only transceivers, so that turning a device on or off is a
// replaceTrack and never a renegotiation, and it receives everyone else's
// tracks, each in a stream named "<user id>-<purpose>" (remote.js).
//
// Negotiation is the perfect negotiation pattern with the browser as the
// polite peer: every step (our offer and its answer, the server's offers,
// its candidates) runs in order on one promise chain; an offer of ours that
// crosses the server's is refused by the server and rolled back here, and
// the browser offers again once the server's offer is answered.
//
// One SFULink is one RTCPeerConnection: the Call (media.js) makes a new
// one for each try, and closes the old.

import { PURPOSES, kindOf } from "./tracks.js";
import { rtcConfig, tcpTurn } from "./chain.js";
import { streamOwner } from "./remote.js";
import { errorCode } from "./requests.js";
import { mark } from "./marks.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */

// SIMULCAST are the camera's layers: a quarter, a half and the whole
// picture. The SFU sends each subscriber the one that fits its bandwidth
// and the size of its tile (media.view).
/** @type {RTCRtpEncodingParameters[]} */
const SIMULCAST = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", maxBitrate: 1_500_000 },
];

// SFULink is one peer connection with the SFU and its negotiation.
export class SFULink {
  /**
   * @param {object} o
   * @param {import("./signal.js").Signal} o.signal the room's connection
   * @param {RTCIceServer[]} o.iceServers
   * @param {boolean} o.turnOnly TURN relays only
   * @param {boolean} o.tcpOnly TURN over TCP and TLS only (the chain's second step)
   * @param {boolean} o.simulcast
   * @param {Record<Purpose, MediaStreamTrack|null>} o.tracks our local tracks
   * @param {Map<string, [number, number]>} o.views stream id -> [width, height] shown, told to the server once it has our peer
   * @param {(user: number, purpose: Purpose, stream: MediaStream, track: MediaStreamTrack) => void} o.onTrack
   * @param {() => void} o.onState the connection's state changed
   * @param {() => void} o.onLost the server's peer is not ours (it was made anew, or never answered): start over
   */
  constructor({ signal, iceServers, turnOnly, tcpOnly, simulcast, tracks, views, onTrack, onState, onLost }) {
    this.signal = signal;
    this.views = views;
    this.onLost = onLost;
    /** @type {Map<string, string>} stream id -> "WxH" told to the server */
    this.told = new Map();
    this.offered = false; // the server has our peer connection (our first offer is answered)
    this.answered = false; // the server answered our first offer: what comes now is for this peer
    this.closed = false;
    /** @type {Promise<unknown>} */
    this.chain = Promise.resolve();
    const servers = tcpOnly ? tcpTurn(iceServers) : iceServers;
    const pc = new RTCPeerConnection(rtcConfig(servers, turnOnly || tcpOnly));
    mark("pc");
    this.pc = pc;
    /** @type {Partial<Record<Purpose, RTCRtpTransceiver>>} */
    this.transceivers = {};
    for (const purpose of PURPOSES) {
      /** @type {RTCRtpTransceiverInit} */
      const init = { direction: "sendonly" };
      if (purpose === "camera" && simulcast) init.sendEncodings = SIMULCAST;
      const t = pc.addTransceiver(kindOf(purpose), init);
      this.transceivers[purpose] = t;
      const track = tracks[purpose];
      if (track) t.sender.replaceTrack(track);
    }
    pc.onnegotiationneeded = () => this.enqueue(() => this.offer());
    pc.onicecandidate = (e) => {
      if (e.candidate && !this.closed) signal.notify("media.candidate", e.candidate.toJSON());
    };
    pc.ontrack = (e) => {
      const stream = e.streams[0];
      const owner = streamOwner(stream?.id);
      if (owner) onTrack(owner.user, owner.purpose, stream, e.track);
    };
    pc.onconnectionstatechange = () => {
      if (!this.closed) onState();
    };
  }

  /**
   * frame takes the server's media frames. Before the answer to this
   * connection's first offer, what comes is the previous peer's (the
   * server answers before it offers, and holds its candidates until then).
   * @param {import("./protocol.js").Frame} f
   */
  frame(f) {
    if (!this.answered || this.closed) return;
    if (f.type === "media.offer") this.enqueue(() => this.answer(f.data.sdp));
    else if (f.type === "media.candidate") this.enqueue(() => this.pc.addIceCandidate(f.data).catch(() => {}));
  }

  /**
   * setTrack sends another local track (or none) for a purpose.
   * @param {Purpose} purpose
   * @param {MediaStreamTrack|null} track
   */
  setTrack(purpose, track) {
    this.transceivers[purpose]?.sender.replaceTrack(track).catch(() => {});
  }

  // tell sends the sizes the server has not heard, once it has our peer.
  tell() {
    if (this.closed || !this.offered) return;
    for (const [stream, [width, height]] of this.views) {
      const size = `${width}x${height}`;
      if (this.told.get(stream) === size) continue;
      this.told.set(stream, size);
      this.enqueue(() => this.signal.request("media.view", { stream, width, height }));
    }
  }

  /**
   * enqueue runs a negotiation step after the ones before it. A step cut
   * short by a lost connection needs nothing more: the next join makes the
   * peer connection anew. One the server never answered starts it over.
   * @param {() => unknown} step
   */
  enqueue(step) {
    this.chain = this.chain.then(step).catch((e) => {
      const code = errorCode(e);
      if (code === "disconnected" || this.closed) return; // a step of a connection already replaced
      if (code === "timeout") {
        this.onLost();
        return;
      }
      console.warn("media:", e);
    });
    return this.chain;
  }

  async offer() {
    const pc = this.pc;
    if (this.closed || pc.signalingState !== "stable") return;
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
      if (!this.closed) this.answered = true; // before any later frame is read
    } catch (e) {
      if (errorCode(e) === "conflict") return; // the server's offer stands: it comes next, and rolls this one back
      throw e;
    }
    const signaling = /** @type {RTCSignalingState} */ (pc.signalingState); // it changed while the server answered
    if (!this.closed && signaling === "have-local-offer") await pc.setRemoteDescription({ type: "answer", sdp: a.sdp });
    if (!this.closed && !this.offered) {
      this.offered = true;
      this.tell();
    }
  }

  /** @param {string} sdp */
  async answer(sdp) {
    const pc = this.pc;
    if (this.closed) return;
    await pc.setRemoteDescription({ type: "offer", sdp }); // rolls back an offer of ours that crossed it
    await pc.setLocalDescription();
    if (this.closed) return; // replaced meanwhile: the server has a new peer, with no offer to answer
    try {
      await this.signal.request("media.answer", { sdp: pc.localDescription?.sdp });
    } catch (e) {
      // The server's peer is not where ours is (it was made anew, say, as
      // the call moved from peer-to-peer to the SFU): start over with it.
      if (errorCode(e) === "conflict" && !this.closed) {
        this.onLost();
        return;
      }
      throw e;
    }
  }

  close() {
    this.closed = true;
    this.pc.close();
  }
}

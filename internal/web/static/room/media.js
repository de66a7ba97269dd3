// @ts-check
// The call's video and audio (docs/protocol.md, "Media"): the Call picks
// the link that carries them, and changes it when it fails. It runs the
// fallback chain (chain.js), which tries WebRTC to the SFU (sfu.js), then
// TURN over TCP and TLS only, then the WebSocket media tunnel (tunnel.js).
// The path it ends on is reported ("path": sfu-udp, sfu-tcp, turn-udp,
// turn-tcp, turn-tls, tunnel, p2p). What the current link carries (its
// streams, state and statistics) is the Carrier's (carrier.js, which the
// Call extends); the local devices are call.local's (tracks.js).
//
// Recovery: ICE that fails is restarted (restartIce); if it has not come
// back 10 s later, or the signaling connection was re-established (the
// server drops a peer whose connection went), the call goes down the chain
// again from its first step. A tunnel WebSocket that closes is opened anew.
//
// Peer-to-peer: in a room whose call mode is "p2p", a call of two people
// connects the browsers directly (p2p.js, as peers.js decides) before any
// of this; when that has not connected within DIRECT_TIMEOUT, or fails,
// both go to the SFU for the rest of the visit.
//
// Events: the Carrier's ("change", "stats").

import { DirectLink } from "./p2p.js";
import { SFULink } from "./sfu.js";
import { TunnelLink, tunnelSupported, tunnelURL } from "./tunnel.js";
import { LocalTracks, PURPOSES } from "./tracks.js";
import { chainSteps, nextStep, STEP_TIMEOUT } from "./chain.js";
import { Carrier } from "./carrier.js";
import { CallPeers } from "./peers.js";
import { errorCode } from "./requests.js";

/** @typedef {ReturnType<typeof setTimeout>} Timer */

const TUNNEL_RETRY = 1000; // ms before a closed tunnel WebSocket is opened again
const DIRECT_TIMEOUT = 2500; // ms a peer-to-peer connection gets before the call goes to the SFU (a direct path that exists connects in about a second)
const RESTART_GRACE = 10000; // ms an ICE restart gets before the peer connection is made anew

// Call is the call of one room page, from the join to hanging up.
export class Call extends Carrier {
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
    this.simulcast = simulcast;
    this.media = media;
    this.peers = new CallPeers();
    this.devicesReady = false;
    this.step = 0; // index in the chain's steps
    /** @type {import("./chain.js").Step} */
    this.stepName = "webrtc";
    /** @type {Timer|undefined} */
    this.stepTimer = undefined;
    /** The devices: the microphone, the camera, the screen. */
    this.local = new LocalTracks({
      onChange: () => this.changed(),
      onTrack: (purpose, track) => this.sendTrack(purpose, track),
    });
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    /** @type {Timer|0} */
    this.restartTimer = 0;
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
    this.peers.joined(j);
    this.step = 0;
    if (!this.peers.wantsDirect(this.media)) {
      // The server's link is made at once, the first time while the
      // devices open: what the others send comes now, ours once granted.
      this.toServer();
      if (this.devicesReady) return;
      await this.local.ready();
      this.devicesReady = true;
      for (const purpose of PURPOSES) this.sendTrack(purpose, this.local.tracks[purpose]);
      return;
    }
    await this.local.ready();
    this.devicesReady = true;
    if (!this.peers.wantsDirect(this.media)) {
      this.toServer(); // the other fell back, or someone came, while the devices opened
      return;
    }
    const early = this.direct;
    if (early?.early && early.other === this.peers.other) {
      // The other's offer came while our devices opened, and was
      // answered: that connection stands, now with our tracks.
      early.early = false;
      for (const purpose of PURPOSES) early.setTrack(purpose, this.local.tracks[purpose]);
      return;
    }
    this.startDirect();
  }

  // toServer connects through the server, from the chain's current step,
  // telling the other browser not to wait for a direct connection.
  toServer() {
    if (this.peers.callMode === "p2p") for (const id of this.peers.others) this.declineDirect(id);
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

  /**
   * startDirect connects to the other person, when there is one: the one
   * with the lower user ID offers, the other waits for the offer.
   * @param {boolean} [offer]
   */
  startDirect(offer = true) {
    const other = this.peers.other;
    this.close();
    this.setState("connecting");
    if (!other) return; // alone: the other's arrival starts it
    const link = new DirectLink({
      signal: this.signal, other, polite: this.peers.polite(other), iceServers: this.iceServers, turnOnly: this.turnOnly,
      tracks: { ...this.local.tracks },
      onTrack: (purpose, track) => {
        if (link === this.direct) this.remote.follow(other, purpose, new MediaStream([track]), track);
      },
      onState: (s) => this.directState(link, s),
    });
    link.early = !this.devicesReady; // made for the other's offer before our devices opened
    this.direct = link;
    if (offer && !link.polite) link.offer();
    this.readStatsEvery();
    clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => {
      if (this.direct === link && this.state !== "connected") this.fallBack(true);
    }, DIRECT_TIMEOUT);
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
    if (this.peers.directFailed) return;
    this.peers.directFailed = true;
    if (tell) this.direct?.send({ fallback: true });
    this.step = 0;
    this.tryStep();
  }

  /**
   * p2pSignal takes the other browser's signaling.
   * @param {number} from
   * @param {import("./p2p.js").DirectSignal} data
   */
  p2pSignal(from, data) {
    switch (this.peers.signaled(from, data, { directWith: this.direct?.other, media: this.media })) {
      case "fallback":
        return this.fallBack(false);
      case "decline":
        return this.declineDirect(from);
      case "restart":
        this.startDirect(false);
        this.direct?.receive(data);
        return;
      case "receive":
        this.direct?.receive(data);
    }
  }

  /**
   * peerJoined and peerLeft follow the other people: a newcomer is offered
   * a direct connection (by the side that offers); one who left ends it.
   * @param {import("./protocol.js").Participant} p
   */
  peerJoined(p) {
    switch (this.peers.arrived(p, { direct: !!this.direct, ready: this.devicesReady, media: this.media })) {
      case "direct":
        return this.startDirect();
      case "fallback":
        return this.fallBack(true);
      case "decline":
        return this.declineDirect(p.user_id);
    }
  }

  /** @param {number} id */
  peerLeft(id) {
    this.peers.others.delete(id);
    if (this.direct?.other === id) {
      this.close();
      this.setState("connecting");
    }
  }

  // The fallback chain --------------------------------------------------

  // tryStep connects by the current step, and moves to the next one if it
  // has not connected in time.
  tryStep() {
    const steps = chainSteps({ media: this.media, turnOnly: this.turnOnly, iceServers: this.iceServers, canTunnel: tunnelSupported() });
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

  /**
   * connect makes a peer connection with the SFU; tcpOnly keeps to TURN
   * over TCP and TLS (the chain's second step).
   * @param {boolean} [tcpOnly]
   */
  connect(tcpOnly = false) {
    this.close();
    const link = new SFULink({
      signal: this.signal, iceServers: this.iceServers, turnOnly: this.turnOnly, tcpOnly, simulcast: this.simulcast,
      tracks: this.local.tracks, views: this.views,
      onTrack: (user, purpose, stream, track) => this.remote.follow(user, purpose, stream, track),
      onState: () => this.sfuState(link),
      onLost: () => this.connect(),
    });
    this.sfu = link;
    this.setState("connecting");
    this.readStatsEvery();
  }

  /**
   * sfuState follows the SFU peer connection: ICE that fails is restarted,
   * and one that does not come back in RESTART_GRACE goes down the chain
   * again.
   * @param {SFULink} link
   */
  sfuState(link) {
    if (link !== this.sfu) return;
    const pc = link.pc;
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
            if (link === this.sfu && pc.connectionState !== "connected") {
              this.step = 0; // down the chain again: the network has changed
              this.tryStep();
            }
          }, RESTART_GRACE);
        }
        break;
    }
  }

  // connectTunnel asks the room connection for a tunnel ticket and opens the
  // media tunnel's WebSocket.
  async connectTunnel() {
    this.close();
    this.setState("connecting");
    let url;
    try {
      url = await tunnelURL(this.signal);
    } catch (e) {
      if (errorCode(e) !== "disconnected") console.warn("tunnel:", e); // disconnected: the next join starts over
      return; // the step's timer moves on
    }
    if (this.stepName !== "tunnel" || this.state === "off") return;
    const link = new TunnelLink({
      url, tracks: this.local.tracks, views: this.views,
      onRemote: (user, purpose, stream) => this.remote.put(user, purpose, stream),
      onState: (s) => this.tunnelState(link, s),
    });
    this.link = link;
    this.readStatsEvery();
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

  // close ends the link that carries the call, and its ICE restart.
  close() {
    clearTimeout(this.restartTimer);
    super.close();
  }

  // hangUp ends the call and releases the devices (the camera's light goes
  // off); the next join opens them again.
  hangUp() {
    this.stopStats();
    clearTimeout(this.stepTimer);
    this.close();
    this.local.release();
    this.devicesReady = false;
    this.setState("off");
  }
}

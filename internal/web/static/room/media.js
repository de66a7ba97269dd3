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
// The fallback chain: a network may block UDP, or WebRTC altogether. The
// call tries, in order, each step getting STEP_TIMEOUT to connect: WebRTC
// to the SFU with every candidate (UDP first, then TCP, then the TURN
// servers' relays, as ICE prefers them); WebRTC through TURN over TCP and
// TLS only (when the server gives such TURN servers); the WebSocket media
// relay (relay.js), where the browser has WebCodecs. The path it ends on
// is reported ("path": sfu-udp, sfu-tcp, turn-udp, turn-tcp, turn-tls,
// relay).
//
// Recovery: ICE that fails is restarted (restartIce); if it has not come
// back 10 s later, or the signaling connection was re-established (the
// server drops a peer whose connection went), the call goes down the chain
// again from its first step. A relay WebSocket that closes is opened anew.
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
import { RelayLink, relaySupported } from "./relay.js";

const PURPOSES = ["mic", "camera", "screen"];
const STEP_TIMEOUT = 8000; // ms a step of the fallback chain gets to connect
const RELAY_RETRY = 1000; // ms before a closed relay WebSocket is opened again
const DIRECT_TIMEOUT = 8000; // ms a peer-to-peer connection gets before the call goes to the SFU
const RESTART_GRACE = 10000; // ms an ICE restart gets before the peer connection is made anew
const STATS_EVERY = 1000;

// SIMULCAST are the camera's layers: a quarter, a half and the whole
// picture. The SFU sends each subscriber the one that fits its bandwidth
// and the size of its tile (media.view).
const SIMULCAST = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", maxBitrate: 1_500_000 },
];

// CAMERA are the camera constraints: 720p at most, 30 frames a second.
const CAMERA = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
const MIC = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export class Call extends EventTarget {
  // signal: the room's Signal; relay: force TURN relays (tests and
  // hostile networks, ?relay=1); media: "relay" goes straight to the
  // WebSocket media relay, "webrtc" never falls back to it (?media=).
  constructor({ signal, relay = false, simulcast = true, media = "" }) {
    super();
    this.signal = signal;
    this.relay = relay;
    this.media = media;
    this.link = null; // the RelayLink, on the relay step
    this.direct = null; // the DirectLink, in a peer-to-peer call
    this.directFailed = false; // peer-to-peer did not work: the SFU for this visit
    this.callMode = "sfu";
    this.me = 0;
    this.others = new Set(); // the other people (not the AI) in the room
    this.step = 0; // index in steps()
    this.stepTimer = 0;
    this.simulcast = simulcast;
    this.views = new Map(); // stream id -> [width, height] shown
    this.told = new Map(); // stream id -> "WxH" told to the current peer connection
    this.offered = false; // the server has our peer connection (our first offer is answered)
    this.pc = null;
    this.chain = Promise.resolve();
    this.tracks = { mic: null, camera: null, screen: null }; // local MediaStreamTracks
    this.micOn = true;
    this.deviceError = "";
    this.transceivers = {}; // purpose -> RTCRtpTransceiver
    this.remote = new Map(); // user id -> {camera, mic, screen}: MediaStreams
    this.iceServers = [];
    this.state = "off"; // off, connecting, connected, reconnecting, failed
    this.path = "none";
    this.stats = new Map();
    this.prevStats = new Map();
    this.restartTimer = 0;
    this.statsTimer = 0;
    this.devices = this.openDevices();
  }

  // openDevices asks for the camera and microphone, settling for either one
  // (or none: the call still receives).
  async openDevices() {
    for (const want of [{ audio: MIC, video: CAMERA }, { audio: MIC }, { video: CAMERA }]) {
      try {
        const s = await navigator.mediaDevices.getUserMedia(want);
        this.tracks.mic = s.getAudioTracks()[0] || null;
        this.tracks.camera = s.getVideoTracks()[0] || null;
        if (this.tracks.mic) this.tracks.mic.enabled = this.micOn;
        this.deviceError = want.video && want.audio ? "" : want.video ? "No microphone was found." : "No camera was found.";
        this.changed();
        return;
      } catch (e) {
        if (e.name === "NotAllowedError") {
          this.deviceError = "The browser was not allowed to use the camera and microphone. Allow them in the address bar to be seen and heard.";
          break;
        }
        this.deviceError = "No camera or microphone was found.";
      }
    }
    this.changed();
  }

  // joined starts the media anew after every join, from the first step of
  // the chain: the server keeps a peer only as long as the signaling
  // connection that made it, and the network may have changed.
  async joined(j) {
    this.iceServers = j.ice_servers || [];
    this.callMode = j.call_mode || "sfu";
    this.me = j.you?.user_id || 0;
    this.others = new Set((j.participants || []).filter((p) => p.role !== "ai" && p.user_id !== this.me).map((p) => p.user_id));
    this.aiPresent = (j.participants || []).some((p) => p.role === "ai");
    this.directFailed = false;
    if (!this.devices) this.devices = this.openDevices();
    await this.devices;
    this.devicesReady = true;
    this.step = 0;
    if (this.wantsDirect()) {
      this.startDirect();
      return;
    }
    if (this.callMode === "p2p") for (const id of this.others) this.declineDirect(id);
    this.tryStep();
  }

  // declineDirect tells the other browser not to wait for a direct
  // connection from this one.
  declineDirect(to) {
    this.signal.request("p2p.signal", { to, data: { fallback: true } }).catch(() => {});
  }

  // Peer-to-peer ---------------------------------------------------------

  // wantsDirect says whether this call connects the browsers directly.
  // The AI co-coach is a participant of the SFU: with it in the call, the
  // browsers go through the SFU too, or it would hear nobody.
  wantsDirect() {
    return this.callMode === "p2p" && !this.directFailed && this.media !== "relay" && this.others.size <= 1 && !this.aiPresent;
  }

  // startDirect connects to the other person, when there is one: the one
  // with the lower user ID offers, the other waits for the offer.
  startDirect(offer = true) {
    const other = [...this.others][0];
    this.close();
    this.setState("connecting");
    if (!other) return; // alone: the other's arrival starts it
    const link = new DirectLink({
      signal: this.signal, other, polite: this.me > other, iceServers: this.iceServers, relay: this.relay,
      tracks: { ...this.tracks },
      onTrack: (purpose, track) => this.directTrack(link, other, purpose, track),
      onState: (s) => this.directState(link, s),
    });
    this.direct = link;
    this.pc = link.pc; // for the statistics
    if (offer && !link.polite) link.offer();
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.readStats(), STATS_EVERY);
    clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => {
      if (this.direct === link && this.state !== "connected") this.fallBack(true);
    }, DIRECT_TIMEOUT);
  }

  directTrack(link, other, purpose, track) {
    if (link !== this.direct) return;
    const entry = this.remote.get(other) || {};
    entry[purpose] = new MediaStream([track]);
    this.remote.set(other, entry);
    track.onunmute = () => this.changed();
    track.onended = () => {
      if (this.remote.get(other)?.[purpose]?.getTracks()[0] === track) delete this.remote.get(other)[purpose];
      this.changed();
    };
    this.changed();
  }

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

  // fallBack leaves peer-to-peer for the SFU, and tells the other browser
  // to do the same.
  fallBack(tell) {
    if (this.directFailed) return;
    this.directFailed = true;
    const link = this.direct;
    if (tell && link) link.send({ fallback: true });
    this.step = 0;
    this.tryStep();
  }

  // p2pSignal takes the other browser's signaling.
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

  // peerJoined and peerLeft follow the other people: a newcomer is offered
  // a direct connection (by the side that offers); one who left ends it.
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

  peerLeft(id) {
    this.others.delete(id);
    if (this.direct?.other === id) {
      this.close();
      this.setState("connecting");
    }
  }

  // steps is the fallback chain for this browser and server.
  steps() {
    const steps = [];
    if (this.media !== "relay") {
      steps.push("webrtc");
      if (!this.relay && tcpTurn(this.iceServers).length) steps.push("turn-tcp");
    }
    if (this.media !== "webrtc" && relaySupported()) steps.push("relay");
    return steps.length ? steps : ["webrtc"];
  }

  // tryStep connects by the current step, and moves to the next one if it
  // has not connected in time.
  tryStep() {
    const steps = this.steps();
    const step = steps[Math.min(this.step, steps.length - 1)];
    this.stepName = step;
    if (step === "relay") this.connectRelay();
    else this.connect(step === "turn-tcp");
    clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => {
      if (this.state === "connected" || this.state === "off") return;
      this.step = this.step + 1 < steps.length ? this.step + 1 : 0; // after the last, the chain starts over
      this.tryStep();
    }, STEP_TIMEOUT);
  }

  // connectRelay asks the room connection for a relay ticket and opens the
  // media relay's WebSocket.
  async connectRelay() {
    this.close();
    this.setState("connecting");
    let ticket;
    try {
      ticket = (await this.signal.request("media.relay", {})).data.ticket;
    } catch (e) {
      if (e?.code !== "disconnected") console.warn("relay:", e); // disconnected: the next join starts over
      return; // the step's timer moves on
    }
    if (this.stepName !== "relay" || this.state === "off") return;
    const room = location.pathname.split("/")[2];
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/rooms/${encodeURIComponent(room)}/media?ticket=${encodeURIComponent(ticket)}`;
    const link = new RelayLink({
      url,
      onRemote: (user, purpose, stream) => this.relayed(user, purpose, stream),
      onState: (s) => this.relayState(link, s),
    });
    this.link = link;
    for (const p of PURPOSES) if (this.tracks[p]) link.setTrack(p, this.tracks[p]);
    for (const [stream, [w, h]] of this.views) link.view(stream, w, h);
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.readStats(), STATS_EVERY);
  }

  relayed(user, purpose, stream) {
    const entry = this.remote.get(user) || {};
    if (stream) entry[purpose] = stream;
    else delete entry[purpose];
    this.remote.set(user, entry);
    this.changed();
  }

  // relayState follows the relay's WebSocket: one that closes under a call
  // is opened again.
  relayState(link, s) {
    if (link !== this.link) return;
    if (s === "connected") {
      this.setState("connected");
      this.setPathName("relay");
      return;
    }
    this.link = null;
    this.setState("reconnecting");
    setTimeout(() => {
      if (this.state === "reconnecting" && !this.link && !this.pc && this.stepName === "relay") this.connectRelay();
    }, RELAY_RETRY);
  }

  // frame takes the server's media frames.
  frame(f) {
    const pc = this.pc;
    // Before the answer to this connection's first offer, what comes is
    // the previous peer's (the server answers before it offers, and holds
    // its candidates until then).
    if (!pc || this.direct || this.answered !== pc) return;
    if (f.type === "media.offer") this.enqueue(() => this.answer(pc, f.data.sdp));
    else if (f.type === "media.candidate") this.enqueue(() => pc.addIceCandidate(f.data).catch(() => {}));
  }

  // connect makes a peer connection with the SFU; tcpOnly keeps to TURN
  // over TCP and TLS (the chain's second step).
  connect(tcpOnly = false) {
    this.close();
    const servers = tcpOnly ? tcpTurn(this.iceServers) : this.iceServers;
    const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: this.relay || tcpOnly ? "relay" : "all", bundlePolicy: "max-bundle" });
    this.pc = pc;
    this.transceivers = {};
    for (const purpose of PURPOSES) {
      const kind = purpose === "mic" ? "audio" : "video";
      const init = { direction: "sendonly" };
      if (purpose === "camera" && this.simulcast) init.sendEncodings = SIMULCAST;
      const t = pc.addTransceiver(kind, init);
      this.transceivers[purpose] = t;
      if (this.tracks[purpose]) t.sender.replaceTrack(this.tracks[purpose]);
    }
    pc.onnegotiationneeded = () => this.enqueue(() => this.offer(pc));
    pc.onicecandidate = (e) => {
      if (e.candidate && pc === this.pc) this.signal.notify("media.candidate", e.candidate.toJSON());
    };
    pc.ontrack = (e) => this.track(e);
    pc.onconnectionstatechange = () => this.connectionChanged(pc);
    this.setState("connecting");
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.readStats(), STATS_EVERY);
  }

  // view tells the server how large a stream ("12-camera") is shown, when
  // that changes, so that it sends a layer no larger than needed.
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

  // enqueue runs a negotiation step after the ones before it. A step cut
  // short by a lost connection needs nothing more: the next join makes the
  // peer connection anew. One the server never answered starts it over.
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

  async offer(pc) {
    if (pc !== this.pc || pc.signalingState !== "stable") return;
    await pc.setLocalDescription();
    const tracks = {};
    for (const [purpose, t] of Object.entries(this.transceivers)) if (t.mid) tracks[t.mid] = purpose;
    let a;
    try {
      // The first offer of a new RTCPeerConnection says so: the server's
      // peer for this connection starts over too.
      const fresh = !this.offered;
      a = (await this.signal.request("media.offer", { sdp: pc.localDescription.sdp, tracks, ...(fresh ? { new: true } : {}) })).data;
      if (pc === this.pc) this.answered = pc; // before any later frame is read
    } catch (e) {
      if (e.code === "conflict") return; // the server's offer stands: it comes next, and rolls this one back
      throw e;
    }
    if (pc === this.pc && pc.signalingState === "have-local-offer") await pc.setRemoteDescription({ type: "answer", sdp: a.sdp });
    if (pc === this.pc && !this.offered) {
      this.offered = true;
      this.tell();
    }
  }

  async answer(pc, sdp) {
    if (pc !== this.pc) return;
    await pc.setRemoteDescription({ type: "offer", sdp }); // rolls back an offer of ours that crossed it
    await pc.setLocalDescription();
    if (pc !== this.pc) return; // replaced meanwhile: the server has a new peer, with no offer to answer
    try {
      await this.signal.request("media.answer", { sdp: pc.localDescription.sdp });
    } catch (e) {
      // The server's peer is not where ours is (it was made anew, say, as
      // the call moved from peer-to-peer to the SFU): start over with it.
      if (e?.code === "conflict" && pc === this.pc) {
        this.connect();
        return;
      }
      throw e;
    }
  }

  // track files a received track under its publisher and purpose.
  track(e) {
    const stream = e.streams[0];
    const m = /^(\d+)-(mic|camera|screen)$/.exec(stream?.id || "");
    if (!m) return;
    const user = Number(m[1]);
    const purpose = m[2];
    const entry = this.remote.get(user) || {};
    entry[purpose] = stream;
    this.remote.set(user, entry);
    const gone = () => {
      if (stream.getTracks().some((t) => t.readyState === "live")) return;
      if (this.remote.get(user)?.[purpose] === stream) delete this.remote.get(user)[purpose];
      this.changed();
    };
    stream.onremovetrack = gone;
    e.track.onended = gone;
    e.track.onunmute = () => this.changed();
    this.changed();
  }

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

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  // Devices --------------------------------------------------------------

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
    this.changed();
  }

  // toggleCamera stops the camera (its light goes off) or starts it again.
  async toggleCamera() {
    if (this.tracks.camera) {
      this.tracks.camera.stop();
      this.setTrack("camera", null);
      return;
    }
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video: { ...CAMERA, ...this.deviceConstraint("camera") } });
      this.setTrack("camera", s.getVideoTracks()[0]);
      this.deviceError = "";
    } catch (e) {
      this.deviceError = "The camera could not be started: " + (e.message || e.name);
      this.changed();
    }
  }

  async toggleScreen() {
    if (this.tracks.screen) {
      this.tracks.screen.stop();
      this.setTrack("screen", null);
      return;
    }
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
      const t = s.getVideoTracks()[0];
      t.contentHint = "detail";
      t.onended = () => this.setTrack("screen", null); // the browser's own "Stop sharing"
      this.setTrack("screen", t);
    } catch (e) {
      if (e.name !== "NotAllowedError") {
        this.deviceError = "The screen could not be shared: " + (e.message || e.name);
        this.changed();
      }
    }
  }

  // useDevice switches the microphone or camera to another device.
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
      this.setTrack(purpose, t);
    } catch (e) {
      this.deviceError = "That device could not be used: " + (e.message || e.name);
      this.changed();
    }
  }

  deviceConstraint(purpose) {
    const id = this.chosen?.[purpose === "mic" ? "audioinput" : "videoinput"];
    return id ? { deviceId: { exact: id } } : {};
  }

  setTrack(purpose, track) {
    this.tracks[purpose] = track;
    this.transceivers[purpose]?.sender.replaceTrack(track).catch(() => {});
    this.link?.setTrack(purpose, track);
    this.direct?.setTrack(purpose, track);
    this.changed();
  }

  // Statistics -----------------------------------------------------------

  // readStats measures, for each person we receive, the video frames
  // decoded, packet loss and round-trip time, and rates the connection.
  async readStats() {
    if (this.link) {
      this.relayStats();
      return;
    }
    const pc = this.pc;
    if (!pc || pc.connectionState === "closed") return;
    const report = await pc.getStats();
    const byTrack = new Map(); // track identifier (remote stream) -> user
    for (const [user, streams] of this.remote) {
      for (const s of Object.values(streams)) for (const t of s.getTracks()) byTrack.set(t.id, user);
    }
    const now = new Map();
    let rtt = 0;
    let local = null;
    report.forEach((r) => {
      if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") {
        rtt = r.currentRoundTripTime || 0;
        local = report.get(r.localCandidateId);
      }
    });
    report.forEach((r) => {
      if (r.type !== "inbound-rtp") return;
      const user = byTrack.get(r.trackIdentifier);
      if (user === undefined) return;
      const s = now.get(user) || { frames: 0, fps: 0, received: 0, lost: 0, energy: 0, rtt };
      if (r.kind === "video") {
        s.frames += r.framesDecoded || 0;
        s.fps = Math.max(s.fps, r.framesPerSecond || 0);
      } else {
        s.energy += r.totalAudioEnergy || 0;
      }
      s.received += r.packetsReceived || 0;
      s.lost += r.packetsLost || 0;
      now.set(user, s);
    });
    for (const [user, s] of now) {
      const prev = this.prevStats.get(user);
      const got = s.received - (prev?.received || 0);
      const lost = s.lost - (prev?.lost || 0);
      s.loss = got + lost > 0 ? Math.max(0, lost) / (got + lost) : 0;
      s.quality = s.loss > 0.1 || rtt > 0.5 ? "poor" : s.loss > 0.02 || rtt > 0.25 ? "fair" : "good";
    }
    this.prevStats = now;
    this.stats = now;
    if (this.direct) this.setPathName("p2p");
    else this.setPath(local);
    this.dispatchEvent(new CustomEvent("stats", { detail: now }));
  }

  // relayStats counts what the relay's decoders did, as readStats does
  // for a peer connection: frames decoded, audio energy, frames skipped.
  relayStats() {
    const now = this.link.stats();
    for (const [user, s] of now) {
      const prev = this.prevStats.get(user);
      const got = s.received - (prev?.received || 0);
      const lost = s.lost - (prev?.lost || 0);
      s.fps = Math.max(0, s.frames - (prev?.frames || 0)) / (STATS_EVERY / 1000);
      s.loss = got > 0 ? Math.max(0, lost) / got : 0;
      s.quality = s.loss > 0.1 ? "poor" : s.loss > 0.02 ? "fair" : "good";
    }
    this.prevStats = now;
    this.stats = now;
    this.dispatchEvent(new CustomEvent("stats", { detail: now }));
  }

  setPath(local) {
    let path = "none";
    if (local) {
      if (local.candidateType === "relay") path = `turn-${local.relayProtocol || "udp"}`;
      else path = local.protocol === "tcp" ? "sfu-tcp" : "sfu-udp";
    }
    this.setPathName(path);
  }

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
    for (const p of PURPOSES) {
      this.tracks[p]?.stop();
      this.tracks[p] = null;
    }
    this.devices = null;
    this.devicesReady = false;
    this.direct = null;
    this.setState("off");
  }
}

// tcpTurn keeps the TURN servers' TCP and TLS addresses (turns:, or
// transport=tcp): what a network that blocks UDP still lets through.
function tcpTurn(servers) {
  const out = [];
  for (const s of servers || []) {
    const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => /^turns:/.test(u) || /transport=tcp/.test(u));
    if (urls.length) out.push({ ...s, urls });
  }
  return out;
}

// Peer-to-peer calls (docs/protocol.md, "Peer-to-peer"): in a room whose
// call mode is "p2p" the two browsers connect directly, with the same TURN
// servers as the SFU's, and signal through the room ("p2p.signal", which
// the server passes to the other person). The person with the lower user
// ID offers; the other answers. Each side says which of its m-lines (by
// mid) carries what (mic, camera, screen), so that a received track is
// filed under its purpose. When direct ICE cannot connect, either side
// sends {fallback: true} and both go to the SFU (media.js).

const PURPOSES = ["mic", "camera", "screen"];

// DirectLink is the peer connection with the other browser.
export class DirectLink {
  // other: their user ID; polite: we answer rather than offer; tracks: our
  // local tracks by purpose; onTrack(purpose, track); onState(state).
  constructor({ signal, other, polite, iceServers, relay, tracks, onTrack, onState }) {
    this.signal = signal;
    this.other = other;
    this.polite = polite;
    this.tracks = tracks;
    this.purposes = {}; // mid -> purpose, the same on both sides
    this.transceivers = {}; // purpose -> RTCRtpTransceiver
    this.pending = []; // candidates that came before the remote description
    this.chain = Promise.resolve();
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: relay ? "relay" : "all", bundlePolicy: "max-bundle" });
    pc.rapportPath = "p2p"; // what this connection is, for the page and for tests
    this.pc = pc;
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send({ candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      const purpose = this.purposes[e.transceiver.mid];
      if (purpose) onTrack(purpose, e.track);
    };
    pc.onconnectionstatechange = () => onState(pc.connectionState);
  }

  // offer starts the connection (the impolite side): an m-line for each
  // purpose, sending and receiving.
  offer() {
    this.enqueue(async () => {
      for (const purpose of PURPOSES) {
        const t = this.pc.addTransceiver(purpose === "mic" ? "audio" : "video", { direction: "sendrecv" });
        this.transceivers[purpose] = t;
        if (this.tracks[purpose]) await t.sender.replaceTrack(this.tracks[purpose]);
      }
      await this.pc.setLocalDescription();
      for (const [purpose, t] of Object.entries(this.transceivers)) this.purposes[t.mid] = purpose;
      this.send({ description: this.pc.localDescription.toJSON(), tracks: this.purposes, fresh: true });
    });
  }

  // receive takes the other side's description or candidate.
  receive(d) {
    this.enqueue(async () => {
      if (d.description) await this.describe(d);
      if (d.candidate) {
        if (this.pc.remoteDescription) await this.pc.addIceCandidate(d.candidate).catch(() => {});
        else this.pending.push(d.candidate);
      }
    });
  }

  async describe(d) {
    if (d.tracks) this.purposes = d.tracks;
    await this.pc.setRemoteDescription(d.description);
    if (d.description.type === "offer") {
      for (const t of this.pc.getTransceivers()) {
        const purpose = this.purposes[t.mid];
        if (!purpose) continue;
        t.direction = "sendrecv";
        this.transceivers[purpose] = t;
        if (this.tracks[purpose]) await t.sender.replaceTrack(this.tracks[purpose]);
      }
      await this.pc.setLocalDescription();
      this.send({ description: this.pc.localDescription.toJSON() });
    }
    for (const c of this.pending) await this.pc.addIceCandidate(c).catch(() => {});
    this.pending = [];
  }

  // setTrack sends another local track (or none) for a purpose.
  setTrack(purpose, track) {
    this.tracks = { ...this.tracks, [purpose]: track };
    this.transceivers[purpose]?.sender.replaceTrack(track).catch(() => {});
  }

  send(data) {
    this.signal.request("p2p.signal", { to: this.other, data }).catch(() => {});
  }

  enqueue(step) {
    this.chain = this.chain.then(step).catch((e) => {
      if (this.pc.signalingState !== "closed") console.warn("p2p:", e); // closed: the call moved on
    });
  }

  close() {
    this.pc.close();
  }
}

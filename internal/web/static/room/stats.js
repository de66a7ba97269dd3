// @ts-check
// The call's statistics: for each person we receive, the video frames
// decoded, the audio energy heard, the packets lost since the last reading
// and the round trip, rated good, fair or poor; and the network path the
// call took. Counting is pure (tested with node); reading getStats is the
// only part that needs a browser.

/**
 * One person's media as last read.
 * @typedef {object} PersonStats
 * @property {number} frames video frames decoded, in all
 * @property {number} fps
 * @property {number} received packets (or tunneled frames) received, in all
 * @property {number} lost packets lost (or frames skipped), in all
 * @property {number} energy audio energy received, in all
 * @property {number} rtt seconds
 * @property {number} loss the share lost since the last reading
 * @property {"good"|"fair"|"poor"} quality
 */

/** @typedef {Map<number, PersonStats>} Stats user id -> what their media does */

/**
 * emptyStats is a person's reading before anything is counted.
 * @param {number} rtt the connection's round trip, in s
 * @returns {PersonStats}
 */
export function emptyStats(rtt) {
  return { frames: 0, fps: 0, received: 0, lost: 0, energy: 0, rtt, loss: 0, quality: "good" };
}

/**
 * quality rates a connection by its loss (a share) and round trip (s).
 * @param {number} loss
 * @param {number} rtt
 * @returns {"good"|"fair"|"poor"}
 */
export function quality(loss, rtt) {
  if (loss > 0.1 || rtt > 0.5) return "poor";
  if (loss > 0.02 || rtt > 0.25) return "fair";
  return "good";
}

/**
 * lossSince is the share of packets lost between two readings of running
 * totals; lostCounts says whether the lost ones count in the total seen
 * (a tunnel counts skipped frames among those received).
 * @param {{received: number, lost: number}} now
 * @param {{received: number, lost: number}|undefined} prev
 * @param {boolean} lostCounted
 * @returns {number}
 */
export function lossSince(now, prev, lostCounted) {
  const got = now.received - (prev?.received || 0);
  const lost = now.lost - (prev?.lost || 0);
  const total = lostCounted ? got : got + lost;
  return total > 0 ? Math.max(0, lost) / total : 0;
}

/**
 * pathOf names the network path of a peer connection by its local
 * candidate: sfu-udp, sfu-tcp, turn-udp, turn-tcp, turn-tls, or none.
 * @param {{candidateType?: string, relayProtocol?: string, protocol?: string}|null|undefined} local
 * @returns {string}
 */
export function pathOf(local) {
  if (!local) return "none";
  if (local.candidateType === "relay") return `turn-${local.relayProtocol || "udp"}`;
  return local.protocol === "tcp" ? "sfu-tcp" : "sfu-udp";
}

/**
 * rateWebRTC fills in each person's loss and quality, from a peer
 * connection's counters and those of the reading before.
 * @param {Stats} now
 * @param {Stats} prev
 * @param {number} rtt the round trip of the connection, in s
 */
export function rateWebRTC(now, prev, rtt) {
  for (const [user, s] of now) {
    s.loss = lossSince(s, prev.get(user), false);
    s.quality = quality(s.loss, rtt);
  }
}

/**
 * rateTunnel fills in each person's frame rate, loss and quality, from the
 * tunnel's decoders' counters and those of the reading before.
 * @param {Stats} now
 * @param {Stats} prev
 * @param {number} every ms between the two readings
 */
export function rateTunnel(now, prev, every) {
  for (const [user, s] of now) {
    const p = prev.get(user);
    s.fps = Math.max(0, s.frames - (p?.frames || 0)) / (every / 1000);
    s.loss = lossSince(s, p, true);
    s.quality = quality(s.loss, 0);
  }
}

/**
 * readPeerStats counts, per person, what a peer connection received, and
 * finds the nominated candidate pair's round trip and local candidate.
 * @param {RTCPeerConnection} pc
 * @param {Map<number, Partial<Record<string, MediaStream>>>} remote user id -> their streams
 * @returns {Promise<{stats: Stats, rtt: number, local: any}>}
 */
export async function readPeerStats(pc, remote) {
  const report = await pc.getStats();
  /** @type {Map<string, number>} track identifier (remote stream) -> user */
  const byTrack = new Map();
  for (const [user, streams] of remote) {
    for (const s of Object.values(streams)) for (const t of s?.getTracks() || []) byTrack.set(t.id, user);
  }
  /** @type {Stats} */
  const stats = new Map();
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
    const s = stats.get(user) || emptyStats(rtt);
    if (r.kind === "video") {
      s.frames += r.framesDecoded || 0;
      s.fps = Math.max(s.fps, r.framesPerSecond || 0);
    } else {
      s.energy += r.totalAudioEnergy || 0;
    }
    s.received += r.packetsReceived || 0;
    s.lost += r.packetsLost || 0;
    stats.set(user, s);
  });
  return { stats, rtt, local };
}

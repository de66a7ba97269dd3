// @ts-check
// The media tunnel: the call's video and audio for a browser that cannot use
// WebRTC at all (docs/protocol.md, "The media tunnel"). The camera, the
// screen and the microphone are encoded here with WebCodecs (VP8 and Opus)
// and their frames sent over a WebSocket; the server puts them into the SFU
// like any participant's tracks, and sends back everyone else's tracks as
// frames, which are decoded here and played through generated
// MediaStreamTracks, so that the room shows them like any other stream.
//
// Back-pressure: a socket that cannot keep up (its buffer past a limit)
// loses video up to the next keyframe, which is asked of our own encoder;
// audio is sent while it can be. A decoder that falls behind, or a frame
// it cannot decode, waits for a keyframe, which is asked of the publisher.

const VIDEO = 1;
const AUDIO = 2;
const HEADER = 7; // kind, flags, track, timestamp (4 bytes)
/** @type {Record<Purpose, number>} */
const PURPOSE_CODE = { mic: 1, camera: 2, screen: 3 };
/** @type {Record<Purpose, number>} */
const VIDEO_BITRATE = { mic: 0, camera: 600_000, screen: 1_000_000 };
const KEYFRAME_EVERY = 150; // frames: a keyframe every five seconds at 30 a second
const SEND_BUFFER = 1 << 20; // bytes the socket may hold before video waits for a keyframe
const DECODE_QUEUE = 8; // frames a decoder may hold before it skips to a keyframe
const ASK_EVERY = 500; // ms between two keyframe requests for one track
const PLAYING = 3; // decoded frames a generated track may have waiting; more are dropped

/** @typedef {import("./tracks.js").Purpose} Purpose */

/**
 * A track the server sends: whose, for what, and of which kind.
 * @typedef {{track: number, user_id: number, purpose: Purpose, kind: string}} TunnelTrack
 */

// tunnelSupported says whether this browser can use the tunnel: WebCodecs,
// and tracks to read frames from and to play them into.
export function tunnelSupported() {
  return typeof VideoEncoder === "function" && typeof AudioEncoder === "function" &&
    typeof VideoDecoder === "function" && typeof AudioDecoder === "function" &&
    typeof MediaStreamTrackProcessor === "function" && typeof MediaStreamTrackGenerator === "function";
}

// TunnelLink is one tunnel WebSocket and the encoders and decoders around it.
export class TunnelLink {
  /**
   * @param {object} o
   * @param {string} o.url the tunnel's WebSocket, with its ticket
   * @param {(user: number, purpose: Purpose, stream: MediaStream|null) => void} o.onRemote files received streams
   * @param {(state: "connected"|"closed") => void} o.onState
   */
  constructor({ url, onRemote, onState }) {
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
    if (buf.byteLength <= HEADER) return;
    const v = new DataView(buf);
    const d = this.decoders.get(v.getUint8(2));
    if (!d) return;
    const kind = v.getUint8(0);
    const flags = v.getUint8(1);
    d.push(kind === VIDEO && (flags & 1) === 1, v.getUint32(3), new Uint8Array(buf, HEADER));
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
      const s = out.get(d.user) || { frames: 0, fps: 0, received: 0, lost: 0, energy: 0, rtt: 0, loss: 0, quality: "good" };
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

/**
 * packFrame writes a frame's header in front of its data.
 * @param {number} kind
 * @param {number} flags
 * @param {number} track
 * @param {number} timestamp
 * @param {EncodedVideoChunk|EncodedAudioChunk} chunk
 * @returns {ArrayBuffer}
 */
function packFrame(kind, flags, track, timestamp, chunk) {
  const buf = new ArrayBuffer(HEADER + chunk.byteLength);
  const v = new DataView(buf);
  v.setUint8(0, kind);
  v.setUint8(1, flags);
  v.setUint8(2, track);
  v.setUint32(3, timestamp >>> 0);
  chunk.copyTo(new Uint8Array(buf, HEADER));
  return buf;
}

// TrackEncoder reads a local track's frames and encodes them.
class TrackEncoder {
  /**
   * @param {Purpose} purpose
   * @param {MediaStreamTrack} track
   * @param {(buf: ArrayBuffer, video: boolean) => boolean} send
   */
  constructor(purpose, track, send) {
    this.purpose = purpose;
    this.code = PURPOSE_CODE[purpose];
    this.send = send;
    this.video = track.kind === "video";
    this.wantKey = true;
    this.count = 0;
    this.level = 127;
    this.closed = false;
    this.waitKey = false; // the socket lost a frame: only a keyframe may follow
    this.width = 0;
    this.height = 0;
    this.reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    /** @type {VideoEncoder|AudioEncoder} */
    this.encoder = this.video
      ? new VideoEncoder({ output: (c) => this.output(c), error: (e) => this.failed(e) })
      : new AudioEncoder({ output: (c) => this.output(c), error: (e) => this.failed(e) });
    this.pump();
  }

  keyframe() {
    this.wantKey = true;
  }

  // pump encodes frames as they come, and closes each (a frame left to the
  // garbage collector can stall the camera).
  async pump() {
    for (;;) {
      let r;
      try {
        r = await this.reader.read();
      } catch {
        return;
      }
      if (r.done) return;
      try {
        if (!this.closed) this.encode(r.value);
      } catch (e) {
        this.failed(e);
      } finally {
        r.value.close();
      }
    }
  }

  /** @param {VideoFrame|AudioData} media */
  encode(media) {
    if (this.encoder.state === "closed") return;
    if (media instanceof VideoFrame) {
      const encoder = /** @type {VideoEncoder} */ (this.encoder);
      const w = media.displayWidth & ~1;
      const h = media.displayHeight & ~1;
      if (this.encoder.state !== "configured" || w !== this.width || h !== this.height) {
        this.width = w;
        this.height = h;
        encoder.configure({ codec: "vp8", width: w, height: h, bitrate: VIDEO_BITRATE[this.purpose], framerate: 30, latencyMode: "realtime" });
        this.wantKey = true;
      }
      if (encoder.encodeQueueSize > 2) return; // the encoder is behind: this frame goes
      const key = this.wantKey || this.count % KEYFRAME_EVERY === 0;
      this.wantKey = false;
      this.count++;
      encoder.encode(media, { keyFrame: key });
      return;
    }
    const encoder = /** @type {AudioEncoder} */ (this.encoder);
    if (encoder.state !== "configured") {
      encoder.configure({ codec: "opus", sampleRate: media.sampleRate, numberOfChannels: 1, bitrate: 32_000 });
    }
    this.level = audioLevel(media);
    encoder.encode(media);
  }

  /** @param {EncodedVideoChunk|EncodedAudioChunk} chunk */
  output(chunk) {
    if (this.video) {
      const key = chunk.type === "key";
      if (this.waitKey && !key) return; // the socket lost one: only a keyframe may follow
      const ts = Math.round((chunk.timestamp * 9) / 100); // microseconds to 90 kHz
      this.waitKey = !this.send(packFrame(VIDEO, key ? 1 : 0, this.code, ts, chunk), true);
      if (this.waitKey) this.wantKey = true;
      return;
    }
    const ts = Math.round((chunk.timestamp * 48) / 1000); // microseconds to 48 kHz
    this.send(packFrame(AUDIO, (this.level & 0x7f) << 1, this.code, ts, chunk), false);
  }

  /** @param {unknown} e */
  failed(e) {
    console.warn(`tunnel: the ${this.purpose} encoder:`, e);
    this.close();
  }

  close() {
    this.closed = true;
    this.reader.cancel().catch(() => {});
    if (this.encoder.state !== "closed") this.encoder.close();
  }
}

/**
 * meanSquare is the mean square of an audio frame's samples (its first
 * channel), or null when they cannot be read.
 * @param {AudioData} data
 * @returns {number|null}
 */
function meanSquare(data) {
  const n = data.numberOfFrames;
  const buf = new Float32Array(n);
  try {
    data.copyTo(buf, { planeIndex: 0, format: "f32-planar" });
  } catch {
    return null;
  }
  let sum = 0;
  for (const x of buf) sum += x * x;
  return sum / Math.max(n, 1);
}

/**
 * audioLevel is a frame's loudness as RFC 6464 gives it: -dBov, 0 the
 * loudest, 127 silence.
 * @param {AudioData} data
 * @returns {number}
 */
function audioLevel(data) {
  const ms = meanSquare(data);
  if (ms === null) return 127;
  return levelOf(Math.sqrt(ms));
}

/**
 * levelOf turns a root mean square into RFC 6464's level.
 * @param {number} rms
 * @returns {number}
 */
export function levelOf(rms) {
  if (rms <= 0) return 127;
  return Math.min(127, Math.max(0, Math.round(-20 * Math.log10(rms))));
}

// TrackDecoder decodes one received track into a generated track.
class TrackDecoder {
  /**
   * @param {TunnelTrack} t
   * @param {() => void} askKeyframe
   */
  constructor(t, askKeyframe) {
    this.user = t.user_id;
    this.purpose = t.purpose;
    this.video = t.kind === "video";
    this.askKeyframe = askKeyframe;
    this.waitKey = this.video;
    this.lastAsk = 0;
    this.framesDecoded = 0;
    this.energy = 0;
    this.received = 0;
    this.skipped = 0;
    this.clock = this.video ? 90000 : 48000;
    this.playing = 0; // frames written to the generated track, not yet taken
    this.closed = false;
    /** @type {number|null} the last timestamp, unwrapped */
    this.ext = null;
    this.lastTS = 0;
    const gen = new MediaStreamTrackGenerator({ kind: this.video ? "video" : "audio" });
    this.writer = gen.writable.getWriter();
    this.stream = new MediaStream([gen]);
    /** @type {VideoDecoder|AudioDecoder} */
    this.decoder = this.video
      ? new VideoDecoder({ output: (f) => this.play(f), error: () => this.reset() })
      : new AudioDecoder({ output: (a) => this.play(a), error: () => this.reset() });
    this.configure();
  }

  configure() {
    if (this.decoder instanceof VideoDecoder) this.decoder.configure({ codec: "vp8" });
    else this.decoder.configure({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 });
  }

  /**
   * push decodes one frame; a video frame is decodable only after a
   * keyframe, and a decoder that is behind skips to the next one.
   * @param {boolean} key
   * @param {number} timestamp
   * @param {Uint8Array} data
   */
  push(key, timestamp, data) {
    this.received++;
    if (this.decoder.state === "closed") return;
    if (this.video) {
      if (this.decoder.decodeQueueSize > DECODE_QUEUE) this.waitKey = true;
      if (this.waitKey && !key) {
        this.skipped++;
        this.ask();
        return;
      }
      this.waitKey = false;
    }
    const us = this.micros(timestamp);
    /** @type {EncodedVideoChunkInit} */
    const init = { type: key || !this.video ? "key" : "delta", timestamp: us, data };
    try {
      if (this.decoder instanceof VideoDecoder) this.decoder.decode(new EncodedVideoChunk(init));
      else this.decoder.decode(new EncodedAudioChunk(init));
    } catch {
      this.reset();
    }
  }

  // micros turns an RTP timestamp into microseconds since the track began,
  // across the 32-bit wrap.
  /**
   * @param {number} ts
   * @returns {number}
   */
  micros(ts) {
    if (this.ext === null) this.ext = 0;
    else this.ext += ((ts - this.lastTS) | 0);
    this.lastTS = ts;
    return Math.round((this.ext * 1e6) / this.clock);
  }

  ask() {
    const now = performance.now();
    if (now - this.lastAsk < ASK_EVERY) return;
    this.lastAsk = now;
    this.askKeyframe();
  }

  // play hands a decoded frame to the generated track, which closes it once
  // taken. A frame that cannot go (the track is closed, or behind) is
  // closed here: every frame the decoder gives out must be, or it stalls.
  /** @param {VideoFrame|AudioData} media */
  play(media) {
    if (media instanceof VideoFrame) this.framesDecoded++;
    else this.energy += audioEnergy(media);
    if (this.closed || this.playing >= PLAYING) {
      media.close();
      return;
    }
    this.playing++;
    this.writer.write(media).catch(() => media.close()).finally(() => this.playing--);
  }

  // reset starts the decoder over after an error: it waits for a keyframe.
  reset() {
    if (this.decoder.state !== "closed") this.decoder.close();
    this.decoder = this.video
      ? new VideoDecoder({ output: (f) => this.play(f), error: () => this.reset() })
      : new AudioDecoder({ output: (a) => this.play(a), error: () => this.reset() });
    this.configure();
    this.waitKey = this.video;
    this.ask();
  }

  close() {
    this.closed = true;
    if (this.decoder.state !== "closed") this.decoder.close();
    this.writer.close().catch(() => {});
  }
}

/**
 * audioEnergy is what getStats' totalAudioEnergy adds for a frame: the
 * mean square of its samples times its duration in seconds.
 * @param {AudioData} data
 * @returns {number}
 */
function audioEnergy(data) {
  const ms = meanSquare(data);
  if (ms === null) return 0;
  return ms * (data.numberOfFrames / data.sampleRate);
}

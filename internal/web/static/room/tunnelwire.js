// @ts-check
// The media tunnel's binary frames (docs/protocol.md, "The media tunnel"):
// a header of seven bytes (kind, flags, track, a 32-bit RTP timestamp) and
// the encoded media. Flags carry the keyframe bit of video and the audio
// level (RFC 6464) of audio. Pure (tested with node): the encoders and
// decoders around it need the browser.

/** @typedef {import("./tracks.js").Purpose} Purpose */

/** A frame of video: its flags' bit 0 marks a keyframe. */
export const VIDEO = 1;
/** A frame of audio: its flags' bits 1 to 7 carry the level. */
export const AUDIO = 2;
/** The header's length in bytes: kind, flags, track, timestamp (4 bytes). */
export const HEADER = 7;

/**
 * The track numbers of our own tracks, by purpose.
 * @type {Record<Purpose, number>}
 */
export const PURPOSE_CODE = { mic: 1, camera: 2, screen: 3 };

/** The RTP clock of video, in Hz. */
export const VIDEO_CLOCK = 90000;
/** The RTP clock of Opus audio, in Hz. */
export const AUDIO_CLOCK = 48000;

/**
 * The encoded media of a frame: what WebCodecs' chunks offer.
 * @typedef {{byteLength: number, copyTo: (dest: Uint8Array) => void}} Chunk
 */

/**
 * A frame as read: which track, whether a keyframe, when, and the media.
 * @typedef {{track: number, key: boolean, timestamp: number, data: Uint8Array}} ReadFrame
 */

/**
 * packFrame writes a frame's header in front of its media.
 * @param {number} kind VIDEO or AUDIO
 * @param {number} flags
 * @param {number} track
 * @param {number} timestamp RTP time; only its low 32 bits are sent
 * @param {Chunk} chunk
 * @returns {ArrayBuffer}
 */
export function packFrame(kind, flags, track, timestamp, chunk) {
  const buf = new ArrayBuffer(HEADER + chunk.byteLength);
  const v = new DataView(buf);
  v.setUint8(0, kind);
  v.setUint8(1, flags);
  v.setUint8(2, track);
  v.setUint32(3, timestamp >>> 0);
  chunk.copyTo(new Uint8Array(buf, HEADER));
  return buf;
}

/**
 * readFrame reads a received frame; one with no media after its header is
 * null.
 * @param {ArrayBuffer} buf
 * @returns {ReadFrame|null}
 */
export function readFrame(buf) {
  if (buf.byteLength <= HEADER) return null;
  const v = new DataView(buf);
  return {
    track: v.getUint8(2),
    key: v.getUint8(0) === VIDEO && (v.getUint8(1) & 1) === 1,
    timestamp: v.getUint32(3),
    data: new Uint8Array(buf, HEADER),
  };
}

/**
 * audioFlags carries an audio level (0-127) in a frame's flags.
 * @param {number} level
 * @returns {number}
 */
export function audioFlags(level) {
  return (level & 0x7f) << 1;
}

/**
 * rtpTime turns WebCodecs' microseconds into the ticks of an RTP clock.
 * @param {number} micros
 * @param {number} clock Hz
 * @returns {number}
 */
export function rtpTime(micros, clock) {
  return Math.round((micros * clock) / 1e6);
}

// TrackClock turns a received track's RTP timestamps back into
// microseconds since its first frame, across the 32-bit wrap.
export class TrackClock {
  /** @param {number} rate Hz */
  constructor(rate) {
    this.rate = rate;
    /** @type {number|null} ticks since the first frame, unwrapped */
    this.ext = null;
    this.last = 0;
  }

  /**
   * micros places a timestamp after the one before (or before it, by less
   * than half the 32-bit range).
   * @param {number} ts
   * @returns {number}
   */
  micros(ts) {
    if (this.ext === null) this.ext = 0;
    else this.ext += (ts - this.last) | 0;
    this.last = ts;
    return Math.round((this.ext * 1e6) / this.rate);
  }
}

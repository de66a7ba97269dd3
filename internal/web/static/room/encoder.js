// @ts-check
// The media tunnel's sending side: a local track's frames read with a
// MediaStreamTrackProcessor, encoded with WebCodecs (VP8, Opus) and handed
// to the tunnel (tunnel.js) as its binary frames (tunnelwire.js). A video
// frame the socket cannot take makes the encoder wait for a keyframe.

import { AUDIO, AUDIO_CLOCK, PURPOSE_CODE, VIDEO, VIDEO_CLOCK, audioFlags, packFrame, rtpTime } from "./tunnelwire.js";
import { audioLevel } from "./level.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */

/** @type {Record<Purpose, number>} */
const VIDEO_BITRATE = { mic: 0, camera: 600_000, screen: 1_000_000 };
const KEYFRAME_EVERY = 150; // frames: a keyframe every five seconds at 30 a second

// TrackEncoder reads a local track's frames and encodes them.
export class TrackEncoder {
  /**
   * @param {Purpose} purpose
   * @param {MediaStreamTrack} track
   * @param {(buf: ArrayBuffer, video: boolean) => boolean} send writes a frame; false when the socket could not take it
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
    if (media instanceof VideoFrame) this.encodeVideo(/** @type {VideoEncoder} */ (this.encoder), media);
    else this.encodeAudio(/** @type {AudioEncoder} */ (this.encoder), media);
  }

  /**
   * encodeVideo (re)configures the encoder for the frame's size, and skips
   * the frame while the encoder is behind.
   * @param {VideoEncoder} encoder
   * @param {VideoFrame} frame
   */
  encodeVideo(encoder, frame) {
    const w = frame.displayWidth & ~1;
    const h = frame.displayHeight & ~1;
    if (encoder.state !== "configured" || w !== this.width || h !== this.height) {
      this.width = w;
      this.height = h;
      encoder.configure({ codec: "vp8", width: w, height: h, bitrate: VIDEO_BITRATE[this.purpose], framerate: 30, latencyMode: "realtime" });
      this.wantKey = true;
    }
    if (encoder.encodeQueueSize > 2) return; // the encoder is behind: this frame goes
    const key = this.wantKey || this.count % KEYFRAME_EVERY === 0;
    this.wantKey = false;
    this.count++;
    encoder.encode(frame, { keyFrame: key });
  }

  /**
   * encodeAudio encodes a frame and notes its level, which its encoded
   * frame carries.
   * @param {AudioEncoder} encoder
   * @param {AudioData} data
   */
  encodeAudio(encoder, data) {
    if (encoder.state !== "configured") {
      encoder.configure({ codec: "opus", sampleRate: data.sampleRate, numberOfChannels: 1, bitrate: 32_000 });
    }
    this.level = audioLevel(data);
    encoder.encode(data);
  }

  /** @param {EncodedVideoChunk|EncodedAudioChunk} chunk */
  output(chunk) {
    if (this.video) {
      const key = chunk.type === "key";
      if (this.waitKey && !key) return; // the socket lost one: only a keyframe may follow
      const ts = rtpTime(chunk.timestamp, VIDEO_CLOCK);
      this.waitKey = !this.send(packFrame(VIDEO, key ? 1 : 0, this.code, ts, chunk), true);
      if (this.waitKey) this.wantKey = true;
      return;
    }
    const ts = rtpTime(chunk.timestamp, AUDIO_CLOCK);
    this.send(packFrame(AUDIO, audioFlags(this.level), this.code, ts, chunk), false);
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

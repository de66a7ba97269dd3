// @ts-check
// The media tunnel's receiving side: one track another participant sends,
// decoded with WebCodecs and played through a generated MediaStreamTrack,
// so that the room shows it like any other stream. A decoder that falls
// behind, or a frame it cannot decode, waits for a keyframe, which is
// asked of the publisher.

import { AUDIO_CLOCK, TrackClock, VIDEO_CLOCK } from "./tunnelwire.js";
import { audioEnergy } from "./level.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */

/**
 * A track the server sends: whose, for what, and of which kind.
 * @typedef {{track: number, user_id: number, purpose: Purpose, kind: string}} TunnelTrack
 */

const DECODE_QUEUE = 8; // frames a decoder may hold before it skips to a keyframe
const ASK_EVERY = 500; // ms between two keyframe requests for one track
const PLAYING = 3; // decoded frames a generated track may have waiting; more are dropped

// TrackDecoder decodes one received track into a generated track. Its
// counters (framesDecoded, energy, received, skipped) are the tunnel's
// statistics.
export class TrackDecoder {
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
    this.clock = new TrackClock(this.video ? VIDEO_CLOCK : AUDIO_CLOCK);
    this.playing = 0; // frames written to the generated track, not yet taken
    this.closed = false;
    const gen = new MediaStreamTrackGenerator({ kind: this.video ? "video" : "audio" });
    this.writer = gen.writable.getWriter();
    this.stream = new MediaStream([gen]);
    this.decoder = this.newDecoder();
  }

  /**
   * newDecoder makes and configures a decoder for the track's kind.
   * @returns {VideoDecoder|AudioDecoder}
   */
  newDecoder() {
    if (this.video) {
      const d = new VideoDecoder({ output: (f) => this.play(f), error: () => this.reset() });
      d.configure({ codec: "vp8" });
      return d;
    }
    const d = new AudioDecoder({ output: (a) => this.play(a), error: () => this.reset() });
    d.configure({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 });
    return d;
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
    /** @type {EncodedVideoChunkInit} */
    const init = { type: key || !this.video ? "key" : "delta", timestamp: this.clock.micros(timestamp), data };
    try {
      if (this.decoder instanceof VideoDecoder) this.decoder.decode(new EncodedVideoChunk(init));
      else this.decoder.decode(new EncodedAudioChunk(init));
    } catch {
      this.reset();
    }
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
    this.decoder = this.newDecoder();
    this.waitKey = this.video;
    this.ask();
  }

  close() {
    this.closed = true;
    if (this.decoder.state !== "closed") this.decoder.close();
    this.writer.close().catch(() => {});
  }
}

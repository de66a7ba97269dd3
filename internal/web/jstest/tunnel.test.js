import { test } from "node:test";
import assert from "node:assert/strict";
import { AUDIO, HEADER, TrackClock, VIDEO, audioFlags, packFrame, readFrame, rtpTime } from "../static/room/tunnelwire.js";
import { levelOf, meanSquare } from "../static/room/level.js";
import { emptyStats } from "../static/room/stats.js";

/** chunk is what WebCodecs' encoded chunks offer packFrame. */
const chunk = (bytes) => ({ byteLength: bytes.length, copyTo: (dest) => dest.set(bytes) });

test("packFrame and readFrame: the header in front of the media, and back", () => {
  const buf = packFrame(VIDEO, 1, 2, 0x1_0000_0005, chunk([9, 8, 7]));
  assert.equal(buf.byteLength, HEADER + 3);
  assert.deepEqual([...new Uint8Array(buf)], [VIDEO, 1, 2, 0, 0, 0, 5, 9, 8, 7], "only the timestamp's low 32 bits go");
  const f = readFrame(buf);
  assert.equal(f.track, 2);
  assert.equal(f.key, true);
  assert.equal(f.timestamp, 5);
  assert.deepEqual([...f.data], [9, 8, 7]);
  assert.equal(readFrame(packFrame(VIDEO, 0, 2, 1, chunk([1]))).key, false);
  assert.equal(readFrame(packFrame(AUDIO, audioFlags(127), 1, 1, chunk([1]))).key, false, "audio has no keyframes, whatever its flags");
  assert.equal(readFrame(new ArrayBuffer(HEADER)), null, "a header without media");
});

test("audioFlags carries the level in bits 1 to 7", () => {
  assert.equal(audioFlags(0), 0);
  assert.equal(audioFlags(127), 254);
  assert.equal(audioFlags(128 + 3), 6, "a level past 127 keeps its low seven bits");
});

test("rtpTime turns microseconds into 90 kHz and 48 kHz ticks", () => {
  assert.equal(rtpTime(1_000_000, 90000), 90000);
  assert.equal(rtpTime(33_333, 90000), 3000);
  assert.equal(rtpTime(20_000, 48000), 960);
  assert.equal(rtpTime(0, 48000), 0);
});

test("TrackClock counts from the first frame, across the 32-bit wrap", () => {
  const c = new TrackClock(90000);
  const start = 2 ** 32 - 45000;
  assert.equal(c.micros(start), 0);
  assert.equal(c.micros(start + 9000), 100_000);
  assert.equal(c.micros(45000), 1_000_000, "past 2^32: 90000 ticks after the first");
  assert.equal(c.micros(0), 500_000, "a frame that comes late goes back, across the wrap");
  const a = new TrackClock(48000);
  assert.equal(a.micros(100), 0);
  assert.equal(a.micros(1060), 20_000);
});

test("meanSquare and levelOf: loudness as RFC 6464 says it", () => {
  assert.equal(meanSquare(new Float32Array([0.5, -0.5, 0.5, -0.5])), 0.25);
  assert.equal(meanSquare([]), 0);
  assert.equal(levelOf(1), 0);
  assert.equal(levelOf(0.1), 20);
  assert.equal(levelOf(0), 127);
  assert.equal(levelOf(1e-9), 127, "quieter than 127 dB below full scale is silence");
  assert.equal(levelOf(2), 0, "past full scale is the loudest");
});

test("emptyStats: nothing counted yet, at the connection's round trip", () => {
  assert.deepEqual(emptyStats(0.2), { frames: 0, fps: 0, received: 0, lost: 0, energy: 0, rtt: 0.2, loss: 0, quality: "good" });
  assert.notEqual(emptyStats(0), emptyStats(0), "each reading gets its own");
});

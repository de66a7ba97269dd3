// @ts-check
// How loud audio is: the mean square of its samples, RFC 6464's level, and
// the energy getStats counts. The arithmetic is pure (tested with node);
// the tunnel's encoder and decoder (encoder.js, decoder.js) and the
// microphone meters (check.js) hand it their samples.

/**
 * meanSquare is the mean square of samples (0 for none).
 * @param {ArrayLike<number>} samples
 * @returns {number}
 */
export function meanSquare(samples) {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return sum / Math.max(samples.length, 1);
}

/**
 * levelOf turns a root mean square into RFC 6464's level: -dBov, 0 the
 * loudest, 127 silence.
 * @param {number} rms
 * @returns {number}
 */
export function levelOf(rms) {
  if (rms <= 0) return 127;
  return Math.min(127, Math.max(0, Math.round(-20 * Math.log10(rms))));
}

/**
 * frameMeanSquare is the mean square of an audio frame's samples (its
 * first channel), or null when they cannot be read.
 * @param {AudioData} data
 * @returns {number|null}
 */
function frameMeanSquare(data) {
  const buf = new Float32Array(data.numberOfFrames);
  try {
    data.copyTo(buf, { planeIndex: 0, format: "f32-planar" });
  } catch {
    return null;
  }
  return meanSquare(buf);
}

/**
 * audioLevel is a frame's loudness as RFC 6464 gives it (127 when its
 * samples cannot be read).
 * @param {AudioData} data
 * @returns {number}
 */
export function audioLevel(data) {
  const ms = frameMeanSquare(data);
  if (ms === null) return 127;
  return levelOf(Math.sqrt(ms));
}

/**
 * audioEnergy is what getStats' totalAudioEnergy adds for a frame: the
 * mean square of its samples times its duration in seconds.
 * @param {AudioData} data
 * @returns {number}
 */
export function audioEnergy(data) {
  const ms = frameMeanSquare(data);
  if (ms === null) return 0;
  return ms * (data.numberOfFrames / data.sampleRate);
}

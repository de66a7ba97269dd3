// @ts-check
// The streams the call receives, filed by person and purpose, whichever
// link brought them (the SFU, the other browser, the tunnel), and kept as
// long as they play. The SFU names each stream "<user id>-<purpose>";
// streamName and streamOwner write and read that name.

import { mark } from "./marks.js";

/** @typedef {import("./tracks.js").Purpose} Purpose */
/** @typedef {Partial<Record<Purpose, MediaStream>>} Streams a person's received streams */

/**
 * streamName is the name of a person's stream for a purpose, as the SFU
 * gives it and as the server takes it in media.view.
 * @param {number} user
 * @param {Purpose} purpose
 * @returns {string}
 */
export function streamName(user, purpose) {
  return `${user}-${purpose}`;
}

/**
 * streamOwner reads whose a stream is, and for what, from its name; a
 * stream named otherwise is nobody's.
 * @param {string|undefined} id
 * @returns {{user: number, purpose: Purpose}|null}
 */
export function streamOwner(id) {
  const m = /^(\d+)-(mic|camera|screen)$/.exec(id || "");
  if (!m) return null;
  return { user: Number(m[1]), purpose: /** @type {Purpose} */ (m[2]) };
}

// RemoteStreams maps a user id to their streams; every change is told to
// onChange.
/** @extends {Map<number, Streams>} */
export class RemoteStreams extends Map {
  /** @param {() => void} onChange */
  constructor(onChange) {
    super();
    this.onChange = onChange;
  }

  /**
   * put files a person's stream for a purpose, or (null) forgets it.
   * @param {number} user
   * @param {Purpose} purpose
   * @param {MediaStream|null} stream
   */
  put(user, purpose, stream) {
    const entry = this.get(user) || {};
    if (stream) entry[purpose] = stream;
    else delete entry[purpose];
    this.set(user, entry);
    this.onChange();
  }

  /**
   * follow files a received stream and keeps it until it has no live track
   * (a track ended, or taken out of it); a track that unmutes is a change
   * too (its video starts).
   * @param {number} user
   * @param {Purpose} purpose
   * @param {MediaStream} stream
   * @param {MediaStreamTrack} track the track that came
   */
  follow(user, purpose, stream, track) {
    mark("track");
    const gone = () => {
      if (stream.getTracks().some((t) => t.readyState === "live")) return;
      this.forget(user, purpose, stream);
    };
    stream.onremovetrack = gone;
    track.onended = gone;
    track.onunmute = () => this.onChange();
    this.put(user, purpose, stream);
  }

  /**
   * forget drops a stream, unless another has taken its place.
   * @param {number} user
   * @param {Purpose} purpose
   * @param {MediaStream} stream
   */
  forget(user, purpose, stream) {
    const streams = this.get(user);
    if (streams?.[purpose] === stream) delete streams[purpose];
    this.onChange();
  }
}

// @ts-check
// Requests on the room connection and their answers (docs/protocol.md): a
// request is a frame with an id, and the server's answer (or error frame)
// carries the same id. A request that gets no answer in time fails with
// "timeout"; one whose connection ends first, with "disconnected".

import { buildFrame } from "./protocol.js";

/** @typedef {import("./protocol.js").Frame} Frame */

/**
 * What a request goes on: a transport (transport.js).
 * @typedef {{isOpen: () => boolean, send: (f: Frame) => void}} Conn
 */

/**
 * A request waiting for its answer.
 * @typedef {object} Pending
 * @property {(f: Frame) => void} resolve
 * @property {(e: SignalError) => void} reject
 * @property {ReturnType<typeof setTimeout>} timer
 * @property {Conn} t
 */

// SignalError is a request that failed: the server's error code, or
// "disconnected" and "timeout".
export class SignalError extends Error {
  /**
   * @param {string} code
   * @param {string} [message]
   * @param {Object<string, string>} [fields]
   */
  constructor(code, message, fields) {
    super(message || code);
    this.code = code;
    this.fields = fields || {};
  }
}

/**
 * errorCode is the code of a failed request ("" for any other error).
 * @param {unknown} e
 * @returns {string}
 */
export function errorCode(e) {
  const code = /** @type {any} */ (e)?.code;
  return typeof code === "string" ? code : "";
}

// Requests are those sent and not yet answered.
export class Requests {
  constructor() {
    this.nextId = 1;
    /** @type {Map<string, Pending>} request id -> what waits for the answer */
    this.pending = new Map();
  }

  /**
   * send sends a request on t and resolves with the answering frame, or
   * rejects with a SignalError: the server's error, "disconnected" or
   * "timeout".
   * @param {Conn|null} t
   * @param {string} type
   * @param {any} data
   * @param {number} timeout ms
   * @returns {Promise<Frame>}
   */
  send(t, type, data, timeout) {
    return new Promise((resolve, reject) => {
      if (!t || !t.isOpen()) {
        reject(new SignalError("disconnected", "not connected"));
        return;
      }
      const id = String(this.nextId++);
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new SignalError("timeout", "the server did not answer"));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer, t });
      t.send(buildFrame(type, data, id));
    });
  }

  /**
   * answer settles the request a frame answers; it reports whether the
   * frame was such an answer.
   * @param {Frame} f
   * @returns {boolean}
   */
  answer(f) {
    const p = f.id ? this.pending.get(f.id) : undefined;
    if (!f.id || !p) return false;
    this.pending.delete(f.id);
    clearTimeout(p.timer);
    if (f.type === "error") p.reject(new SignalError(f.data?.code || "internal", f.data?.message, f.data?.fields));
    else p.resolve(f);
    return true;
  }

  /**
   * fail rejects the requests still waiting for an answer on t: its
   * connection ended.
   * @param {Conn} t
   */
  fail(t) {
    for (const [id, p] of this.pending) {
      if (p.t !== t) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new SignalError("disconnected", "the connection ended"));
    }
  }
}

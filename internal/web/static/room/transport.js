// @ts-check
// The room connection's two transports (docs/protocol.md, "Transports"):
// a WebSocket, or HTTP long polling where WebSockets are blocked. Each is
// one connection: it opens, carries frames both ways, and ends once,
// saying why (a reason the Signal turns into what the page does next).

import { parseFrame } from "./protocol.js";
import { socketURL } from "./dom.js";

const WS_OPEN_TIMEOUT = 8000; // a WebSocket not open by then counts as failed
const POLL_TIMEOUT = 40000; // the server answers a poll within 25 s

// Close codes of the WebSocket and the equivalent reasons of a long poll.
/** @type {Object<number, string>} */
const CLOSE_REASONS = { 1000: "left", 1001: "gone", 1012: "restarting", 4001: "replaced", 4002: "too_slow", 4003: "room_ended", 4004: "signed_out" };

/**
 * How a connection ended: reason is what the Signal acts on (left, gone,
 * replaced, signed_out, closed, conn_ended, unreachable, ...); opened says
 * whether it had opened; message is the server's words for a refusal.
 * @typedef {object} Ending
 * @property {string} reason
 * @property {boolean} opened
 * @property {number} [code]
 * @property {number} [status]
 * @property {string} [message]
 */

/**
 * What a transport reports to its Signal.
 * @typedef {object} TransportEvents
 * @property {(t: Transport) => void} onOpen
 * @property {(t: Transport, f: import("./protocol.js").Frame) => void} onFrame
 * @property {(t: Transport, info: Ending) => void} onClose
 */

/** @typedef {WSTransport|PollTransport} Transport */

/** @typedef {new (base: string, events: TransportEvents) => Transport} TransportKind */

// WSTransport is one WebSocket connection.
export class WSTransport {
  /**
   * @param {string} base the room's path
   * @param {TransportEvents} events
   */
  constructor(base, { onOpen, onFrame, onClose }) {
    /** @type {"websocket"} */
    this.name = "websocket";
    /** set while it joins as a probe beside long polling */
    this.joining = false;
    const ws = new WebSocket(socketURL(`${base}/signal`));
    this.ws = ws;
    this.open = false;
    this.done = false;
    /** @param {Ending} info */
    this.finish = (info) => {
      if (this.done) return;
      this.done = true;
      clearTimeout(this.openTimer);
      onClose(this, info);
    };
    this.openTimer = setTimeout(() => {
      if (!this.open) {
        ws.close();
        this.finish({ reason: "timeout", opened: false });
      }
    }, WS_OPEN_TIMEOUT);
    ws.onopen = () => {
      this.open = true;
      clearTimeout(this.openTimer);
      onOpen(this);
    };
    ws.onmessage = (e) => {
      const f = parseFrame(e.data);
      if (f) onFrame(this, f);
    };
    ws.onerror = () => {}; // a close follows
    ws.onclose = (e) => this.finish({ reason: CLOSE_REASONS[e.code] || e.reason || "gone", code: e.code, opened: this.open });
  }

  isOpen() {
    return this.open && !this.done && this.ws.readyState === WebSocket.OPEN;
  }

  /** @param {import("./protocol.js").Frame} frame */
  send(frame) {
    if (this.isOpen()) this.ws.send(JSON.stringify(frame));
  }

  /** @param {string} reason */
  close(reason) {
    if (this.done) return;
    try {
      this.ws.close(1000);
    } catch {
      // already closing
    }
    this.finish({ reason, opened: this.open });
  }
}

// PollTransport is one long-poll connection: a POST opens it, a loop of GETs
// brings the frames down, POSTs carry them up (one at a time, in order).
export class PollTransport {
  /**
   * @param {string} base the room's path
   * @param {TransportEvents} events
   */
  constructor(base, { onOpen, onFrame, onClose }) {
    /** @type {"longpoll"} */
    this.name = "longpoll";
    this.joining = false;
    this.base = base;
    this.onFrame = onFrame;
    this.open = false;
    this.done = false;
    /** @type {import("./protocol.js").Frame[]} */
    this.queue = [];
    this.sending = false;
    this.after = 0;
    this.conn = ""; // the connection's path, once open
    this.serverClosed = false;
    this.abort = new AbortController();
    /** @param {Ending} info */
    this.finish = (info) => {
      if (this.done) return;
      this.done = true;
      this.abort.abort();
      onClose(this, info);
    };
    this.start(onOpen);
  }

  /** @param {(t: PollTransport) => void} onOpen */
  async start(onOpen) {
    let res;
    try {
      res = await fetch(`${this.base}/poll`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: "{}",
        signal: this.abort.signal,
      });
    } catch {
      this.finish({ reason: "unreachable", opened: false });
      return;
    }
    if (res.status !== 201) {
      this.finish(await refused(res));
      return;
    }
    const { conn } = await res.json().catch(() => ({}));
    if (!conn || this.done) {
      this.finish({ reason: "refused", opened: false });
      return;
    }
    this.conn = `${this.base}/poll/${encodeURIComponent(conn)}`;
    this.open = true;
    onOpen(this);
    this.loop();
  }

  async loop() {
    while (!this.done) {
      let res, ans;
      const timeout = setTimeout(() => this.finish({ reason: "gone", opened: true }), POLL_TIMEOUT);
      try {
        res = await fetch(`${this.conn}?after=${this.after}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          cache: "no-store",
          signal: this.abort.signal,
        });
        if (res.ok) ans = await res.json();
      } catch {
        clearTimeout(timeout);
        this.finish({ reason: "gone", opened: true });
        return;
      }
      clearTimeout(timeout);
      if (this.done) return;
      if (!res.ok) {
        this.finish(lost(res.status));
        return;
      }
      if (typeof ans.next === "number") this.after = ans.next;
      for (const raw of ans.frames || []) {
        if (this.done) return;
        const f = parseFrame(raw);
        if (f) this.onFrame(this, f);
      }
      if (ans.closed) {
        this.serverClosed = true; // the server forgets it: no DELETE
        this.finish({ reason: ans.closed, opened: true });
        return;
      }
    }
  }

  isOpen() {
    return this.open && !this.done;
  }

  /** @param {import("./protocol.js").Frame} frame */
  send(frame) {
    if (!this.isOpen()) return;
    this.queue.push(frame);
    this.flush();
  }

  // flush posts what is queued, one POST at a time so that frames keep
  // their order; frames queued meanwhile go together as an array.
  async flush() {
    if (this.sending || this.queue.length === 0 || this.done) return;
    this.sending = true;
    const batch = this.queue.splice(0);
    try {
      const res = await fetch(this.conn, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(batch.length === 1 ? batch[0] : batch),
        signal: this.abort.signal,
      });
      if (res.status === 200) {
        // the server no longer knows this connection: nothing was taken
        const ans = await res.json().catch(() => ({}));
        this.sending = false;
        this.finish({ reason: ans.closed || "conn_ended", opened: true });
        return;
      }
      if (res.status !== 204) {
        this.sending = false;
        this.finish(lost(res.status));
        return;
      }
    } catch {
      this.sending = false;
      this.finish({ reason: "gone", opened: true });
      return;
    }
    this.sending = false;
    this.flush();
  }

  /** @param {string} reason */
  close(reason) {
    if (this.done) return;
    const conn = this.conn;
    this.finish({ reason, opened: this.open });
    if (conn && !this.serverClosed) {
      // keepalive lets it go out while the page unloads
      fetch(conn, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(() => {});
    }
  }
}

// refused says why opening a long poll was refused: signed out (401), or
// not let into the room (403: it is not open now; 404: it is not ours), with
// the server's own words; anything else is worth another try.
/**
 * @param {Response} res
 * @returns {Promise<Ending>}
 */
async function refused(res) {
  if (res.status === 401) return { reason: "signed_out", opened: false };
  if (res.status !== 403 && res.status !== 404) return { reason: "refused", status: res.status, opened: false };
  let message = "";
  try {
    message = (await res.json())?.error?.message || "";
  } catch {
    // no JSON: the state says enough
  }
  return { reason: "closed", status: res.status, message, opened: false };
}

// lost says what an error answer on an open long poll means: signed out
// (401), or the server no longer knows the connection (404: it ended, and a
// new one is opened); anything else is a connection lost.
/**
 * @param {number} status
 * @returns {Ending}
 */
function lost(status) {
  if (status === 401) return { reason: "signed_out", status, opened: true };
  if (status === 404) return { reason: "conn_ended", status, opened: true };
  return { reason: "gone", status, opened: true };
}

// @ts-check
// The chat's outbox: messages sent but not yet acknowledged as stored. Each
// is kept (in sessionStorage too, so that a reload does not lose it) and
// sent again after every reconnect with its same client_id, so that the
// server stores it exactly once.

const OUTBOX_KEY = "rapport.outbox."; // + the room id, in sessionStorage
const OUTBOX_MAX_AGE = 12 * 3600 * 1000; // a message older than this was meant for another call
const CHAT_TRIES = 2; // chat.send on one connection: once, and again after a timeout

/**
 * A message of the outbox: its text, when it was written, and how it is
 * settled; on is the connection it was last sent on.
 * @typedef {object} Entry
 * @property {string} body
 * @property {number} at
 * @property {(ack: import("./protocol.js").ChatAck) => void} resolve
 * @property {(err: any) => void} reject
 * @property {object|null} on
 * @property {number} tries
 */

/**
 * A message an earlier page of this tab was still sending.
 * @typedef {{client_id: string, body: string, at: number}} Saved
 */

/**
 * What the outbox needs of the room's connection.
 * @typedef {object} Connection
 * @property {object|null} t the current transport
 * @property {boolean} joined
 * @property {(type: string, data?: any) => Promise<import("./protocol.js").Frame>} request
 */

export class ChatOutbox {
  /**
   * @param {string} roomId
   * @param {Connection} conn
   */
  constructor(roomId, conn) {
    this.conn = conn;
    /** @type {Map<string, Entry>} client_id -> entry */
    this.entries = new Map();
    this.stored = new StoredOutbox(roomId);
  }

  /**
   * saved returns the messages that an earlier page of this tab had not
   * yet seen stored, oldest first.
   * @returns {Saved[]}
   */
  saved() {
    const now = Date.now();
    return this.stored.load().filter((m) => now - m.at < OUTBOX_MAX_AGE && !this.entries.has(m.client_id));
  }

  /**
   * send keeps a message and sends it if connected; it resolves with the
   * chat.ack data once stored, and rejects only when the server refuses it.
   * @param {string} clientId
   * @param {string} body
   * @param {number} at
   * @returns {Promise<import("./protocol.js").ChatAck>}
   */
  send(clientId, body, at) {
    return new Promise((resolve, reject) => {
      /** @type {Entry} */
      const e = { body, at, resolve, reject, on: null, tries: 0 };
      this.entries.set(clientId, e);
      this.stored.save(this.entries);
      if (this.conn.joined) this.sendEntry(clientId, e);
    });
  }

  /**
   * resend sends, on a connection just joined, what is not yet sent on it.
   * @param {object} t the transport
   */
  resend(t) {
    for (const [clientId, e] of this.entries) if (e.on !== t) this.sendEntry(clientId, e);
  }

  /**
   * acked settles a message whose acknowledgement came after its request
   * had timed out; it reports whether the message was in the outbox.
   * @param {import("./protocol.js").ChatAck} ack
   * @returns {boolean}
   */
  acked(ack) {
    if (!this.entries.has(ack?.client_id)) return false;
    this.settle(ack.client_id, (e) => e.resolve(ack));
    return true;
  }

  /**
   * forget drops a message that arrived some other way (in the catch-up of
   * a join after its acknowledgement was lost).
   * @param {string} clientId
   * @param {import("./protocol.js").ChatMessage} message
   */
  forget(clientId, message) {
    this.settle(clientId, (e) =>
      e.resolve({ client_id: clientId, message_id: message.id, seq: message.seq, created_at: message.created_at, message }),
    );
  }

  /**
   * settle takes a message out of the outbox (and the stored copy) and
   * gives the outcome to whoever sent it.
   * @param {string} clientId
   * @param {(e: Entry) => void} how
   */
  settle(clientId, how) {
    const e = this.entries.get(clientId);
    if (!e) return;
    this.entries.delete(clientId);
    this.stored.save(this.entries);
    how(e);
  }

  /**
   * sendEntry sends a message on the current connection: once, and once
   * more if the first got no answer in time (the frame or its answer may
   * have been lost on a connection that still seems alive). After that it
   * waits for a late acknowledgement or the next connection.
   * @param {string} clientId
   * @param {Entry} e
   */
  sendEntry(clientId, e) {
    const t = this.conn.t;
    if (e.on !== t) {
      e.on = t;
      e.tries = 0;
    }
    e.tries++;
    this.conn.request("chat.send", { client_id: clientId, body: e.body }).then(
      (f) => {
        if (this.entries.get(clientId) === e) this.settle(clientId, (x) => x.resolve(f.data));
      },
      (err) => {
        if (this.entries.get(clientId) !== e) return;
        if (err.code === "timeout") {
          if (this.conn.t === t && this.conn.joined && e.on === t && e.tries < CHAT_TRIES) this.sendEntry(clientId, e);
          return;
        }
        // Kept for the next connection: it was never answered, or the server
        // is restarting. Anything else is the server's final word.
        if (["disconnected", "conflict", "unavailable"].includes(err.code)) return;
        this.settle(clientId, (x) => x.reject(err));
      },
    );
  }
}

// StoredOutbox keeps the unacknowledged chat messages of a room in the
// tab's sessionStorage: a reload (or a crash of the tab) while a message is
// "Sending…" does not lose it, and another tab does not send it too. Storage
// that is off or full leaves the copy in memory, as before.
class StoredOutbox {
  /** @param {string} roomId */
  constructor(roomId) {
    this.key = OUTBOX_KEY + roomId;
  }

  /** @returns {Saved[]} */
  load() {
    let list;
    try {
      list = JSON.parse(sessionStorage.getItem(this.key) || "[]");
    } catch {
      return [];
    }
    return savedMessages(list);
  }

  /** @param {Map<string, Entry>} outbox */
  save(outbox) {
    const list = [...outbox].map(([clientId, e]) => ({ client_id: clientId, body: e.body, at: e.at }));
    try {
      if (list.length) sessionStorage.setItem(this.key, JSON.stringify(list));
      else sessionStorage.removeItem(this.key);
    } catch {
      // no storage here: the messages are still kept in memory
    }
  }
}

/**
 * savedMessages keeps, of what storage held, the well-formed messages.
 * @param {unknown} list
 * @returns {Saved[]}
 */
export function savedMessages(list) {
  if (!Array.isArray(list)) return [];
  return list.filter((m) => m && typeof m.client_id === "string" && m.client_id !== "" && typeof m.body === "string" && Number.isFinite(m.at));
}

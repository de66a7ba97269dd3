// @ts-check
// The room's connection to the server (docs/protocol.md): JSON frames over a
// WebSocket, or over HTTP long polling where WebSockets are blocked
// (transport.js). One Signal outlives its transports: it joins on every
// (re)connect with the session and the last message seen, reconnects with
// backoff, moves back to the WebSocket when it works again, measures the
// server's clock, and keeps unacknowledged chat messages (outbox.js) to send
// again with their same client_id.
//
// Events (on the Signal, an EventTarget):
//   "state"  detail {state, transport, retryAt, reason, message}
//   "joined" detail: the data of the joined frame (before the outbox is resent)
//   "frame"  detail: a server frame that answers no request of ours

import { buildFrame } from "./protocol.js";
import { WSTransport, PollTransport } from "./transport.js";
import { ChatOutbox } from "./outbox.js";

const BACKOFF_BASE = 500; // ms: the first retry; it doubles up to BACKOFF_MAX
const BACKOFF_MAX = 15000;
const WS_FAILURES_BEFORE_POLL = 2; // on a page where no WebSocket has worked yet
const WS_FAILURES_AFTER_WORKED = 3; // once one has: the network changed, or a proxy now drops them
const WS_SHORT_LIVED = 30000; // a WebSocket that dies sooner after joining counts as failed
const WS_RETRY_AFTER = 5 * 60000; // long polling that has worked this long tries the WebSocket again
const WS_RETRY_MAX = 40 * 60000; // and, while the WebSocket stays blocked, ever less often, down to this
const REQUEST_TIMEOUT = 15000;
const PING_EVERY = 25000;

// What a closed connection means for the page: final states do not reconnect.
// signed_out: the session cookie is gone (401); closed: the server does not
// let this page into the room (403: not open now, or 404: not ours).
/** @type {Object<string, string>} */
const FINAL = { replaced: "replaced", left: "left", room_ended: "ended", signed_out: "signed_out", closed: "closed" };

// isFinal reports whether a state of the Signal waits for the person rather
// than reconnecting by itself.
/**
 * @param {string} state
 * @returns {boolean}
 */
export function isFinal(state) {
  return Object.values(FINAL).includes(state);
}

/**
 * backoffDelay is how long to wait before the next try after `attempt`
 * failures: it doubles from BACKOFF_BASE up to BACKOFF_MAX, and a jitter
 * (random in [0, 1)) picks between half of it and all of it.
 * @param {number} attempt
 * @param {number} random
 * @returns {number} ms
 */
export function backoffDelay(attempt, random) {
  const d = Math.min(BACKOFF_MAX, BACKOFF_BASE * 2 ** attempt);
  return Math.round(d / 2 + (random * d) / 2);
}

/**
 * The state event's detail.
 * @typedef {object} StateDetail
 * @property {string} state idle, connecting, open, reconnecting, or a final one
 * @property {string} transport
 * @property {number} [retryAt]
 * @property {string} [reason]
 * @property {string} [message]
 */

/** @typedef {import("./transport.js").Transport} Transport */

/**
 * A request waiting for its answer.
 * @typedef {object} Pending
 * @property {(f: import("./protocol.js").Frame) => void} resolve
 * @property {(e: SignalError) => void} reject
 * @property {ReturnType<typeof setTimeout>} timer
 * @property {Transport} t
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

export class Signal extends EventTarget {
  // roomId: the room; joinData(): the extra fields of join (session_id,
  // last_seq, mic, cam, path); forceLongPoll skips the WebSocket.
  /**
   * @param {object} o
   * @param {string} o.roomId
   * @param {() => object} [o.joinData]
   * @param {boolean} [o.forceLongPoll]
   */
  constructor({ roomId, joinData = () => ({}), forceLongPoll = false }) {
    super();
    this.roomId = roomId;
    this.joinData = joinData;
    this.forceLongPoll = forceLongPoll;
    this.state = "idle";
    this.transportName = "";
    this.clockOffset = 0; // server time minus local time, in ms
    this.clockRTT = Infinity;
    /** @type {Transport|null} the current transport */
    this.t = null;
    /** @type {Transport|null} a WebSocket trying to take over from long polling */
    this.probe = null;
    this.joined = false;
    this.everJoined = false;
    this.joinedAt = 0; // performance.now() of the last join
    this.nextId = 1;
    /** @type {Map<string, Pending>} request id -> what waits for the answer */
    this.pending = new Map();
    this.outbox = new ChatOutbox(roomId, this);
    this.attempt = 0;
    this.wsFailures = 0;
    this.wsWorked = false;
    this.usePoll = forceLongPoll;
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.retryTimer = 0;
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.pingTimer = 0;
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.probeTimer = 0;
    this.probeWait = WS_RETRY_AFTER;
    this.retryAt = 0;
    this.leaving = false; // leave() was called: the connection ends as "left"
  }

  get base() {
    return `/rooms/${encodeURIComponent(this.roomId)}`;
  }

  start() {
    if (this.state !== "idle") return;
    this.setState("connecting");
    this.connect();
    addEventListener("online", () => this.retryNow());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.retryNow();
    });
    // Leaving the page: a long poll says so at once; a WebSocket closes anyway.
    addEventListener("pagehide", () => {
      this.stopProbe();
      if (this.t) this.t.close("pagehide");
    });
    // Back from the back-forward cache: connect again.
    addEventListener("pageshow", (/** @type {PageTransitionEvent} */ e) => {
      if (e.persisted && !this.t && !this.retryTimer && !isFinal(this.state)) {
        this.joined = false;
        this.setState("reconnecting");
        this.connect();
      }
    });
  }

  // retryNow skips the wait of a pending (re)connect.
  retryNow() {
    if ((this.state === "reconnecting" || this.state === "connecting") && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      this.connect();
    }
  }

  // rejoin connects again after a final state (left, replaced, ended, ...).
  rejoin() {
    if (!isFinal(this.state)) return;
    this.leaving = false;
    this.attempt = 0;
    this.setState("connecting");
    this.connect();
  }

  /**
   * @param {string} state
   * @param {{retryAt?: number, reason?: string, message?: string}} [extra]
   */
  setState(state, extra = {}) {
    this.state = state;
    this.retryAt = extra.retryAt || 0;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, transport: this.transportName, ...extra } }));
  }

  connect() {
    this.retryTimer = 0;
    if (!this.usePoll) {
      try {
        this.t = this.transport(WSTransport);
        return;
      } catch {
        this.usePoll = true; // no WebSocket at all (or a policy refuses it)
      }
    }
    this.t = this.transport(PollTransport);
  }

  /**
   * transport opens a connection of a kind, reporting back to this Signal
   * as the current transport or as the probe.
   * @param {import("./transport.js").TransportKind} Kind
   * @returns {Transport}
   */
  transport(Kind) {
    return new Kind(this.base, {
      onOpen: (t) => this.opened(t),
      onFrame: (t, f) => (this.t === t || this.probe === t) && this.received(f),
      onClose: (t, info) => (this.probe === t ? this.probeClosed() : this.closed(t, info)),
    });
  }

  /** @param {Transport} t */
  opened(t) {
    const upgrade = this.probe === t;
    if (this.t !== t && !upgrade) return;
    if (upgrade) t.joining = true;
    else this.transportName = t.name;
    const data = { ...this.joinData() };
    const sent = performance.now();
    this.request("join", data, { via: t }).then(
      (f) => {
        if (upgrade && this.probe === t) this.swap(t);
        if (this.t !== t) return;
        this.transportName = t.name;
        this.joined = true;
        this.joinedAt = performance.now();
        this.everJoined = true;
        this.attempt = 0;
        if (t.name === "websocket") {
          this.wsWorked = true;
          this.usePoll = this.forceLongPoll;
        } else {
          this.scheduleProbe();
        }
        this.sample(f.data?.timer?.server_time, sent, performance.now());
        this.setState("open");
        this.dispatchEvent(new CustomEvent("joined", { detail: f.data }));
        // What is not yet sent on this connection goes now; the server
        // stores each client_id once, whatever went before.
        this.outbox.resend(t);
        this.schedulePing();
      },
      (err) => {
        // The server refused the join (restarting, say): try again later.
        if ((this.t === t || this.probe === t) && err.code !== "disconnected") t.close("join failed");
      },
    );
  }

  /**
   * @param {Transport} t
   * @param {import("./transport.js").Ending} info
   */
  closed(t, { reason, opened, message }) {
    if (this.t !== t) return;
    this.t = null;
    const wasJoined = this.joined;
    this.joined = false;
    clearTimeout(this.pingTimer);
    this.rejectPending(t);
    if (this.leaving) reason = "left"; // a connection lost while leaving does not come back
    // The server moved us to the WebSocket that is joining: its answer
    // decides what comes next (see probeClosed).
    if (reason === "replaced" && this.probe?.joining) return;
    this.stopProbe();
    if (FINAL[reason]) {
      this.setState(FINAL[reason], { reason, message });
      return;
    }
    if (reason === "pagehide") return;
    let delay = this.backoff();
    if (t.name === "websocket" && this.wsFailed(wasJoined, reason)) delay = 0;
    // A long-poll connection that the server has forgotten (nobody polled
    // it for a while, or a newer one of ours took its place): open another
    // at once. Only a connection that never joined waits, so as not to loop.
    if (reason === "conn_ended" && wasJoined) delay = 0;
    // Long polling that cannot even open: the server is unreachable rather
    // than the WebSocket blocked. Try the WebSocket first again next time.
    if (t.name === "longpoll" && !opened && !this.forceLongPoll && reason === "unreachable") {
      this.usePoll = false;
      this.wsFailures = 0;
    }
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState(this.everJoined ? "reconnecting" : "connecting", { retryAt: Date.now() + delay, reason });
  }

  // wsFailed counts a closed WebSocket that did not get as far as joining,
  // or died soon after without the server saying why. A few in a row mean
  // that the network blocks them (two where none has worked yet, three where
  // one had): it reports whether long polling takes over now.
  /**
   * @param {boolean} wasJoined
   * @param {string} reason
   * @returns {boolean}
   */
  wsFailed(wasJoined, reason) {
    const lived = wasJoined ? performance.now() - this.joinedAt : 0;
    if (wasJoined && (lived >= WS_SHORT_LIVED || reason === "restarting" || reason === "too_slow")) {
      this.wsFailures = 0;
      return false;
    }
    this.wsFailures++;
    if (this.wsFailures < (this.wsWorked ? WS_FAILURES_AFTER_WORKED : WS_FAILURES_BEFORE_POLL)) return false;
    this.usePoll = true;
    return true;
  }

  // scheduleProbe tries the WebSocket again once long polling has worked for
  // a while: what blocked it (a network, a proxy, a moment when the server
  // was away) may be gone. A blocked probe costs nothing visible, and is
  // tried again ever less often.
  scheduleProbe() {
    clearTimeout(this.probeTimer);
    this.probeTimer = 0;
    if (this.forceLongPoll || typeof WebSocket === "undefined") return;
    this.probeTimer = setTimeout(() => this.startProbe(), this.probeWait);
  }

  startProbe() {
    this.probeTimer = 0;
    if (!this.joined || this.t?.name !== "longpoll" || this.probe) return;
    try {
      this.probe = this.transport(WSTransport);
    } catch {
      // refused outright: long polling it is
    }
  }

  // probeClosed: the WebSocket did not get as far as joining. If the long
  // poll gave way to it meanwhile, connect again as after any drop.
  probeClosed() {
    this.probe = null;
    this.probeWait = Math.min(this.probeWait * 2, WS_RETRY_MAX);
    if (!this.t && !this.retryTimer && this.state === "open") {
      this.usePoll = true;
      this.retryTimer = setTimeout(() => this.connect(), 0);
      this.setState("reconnecting", { reason: "gone" });
      return;
    }
    if (this.joined && this.t?.name === "longpoll") this.scheduleProbe();
  }

  stopProbe() {
    clearTimeout(this.probeTimer);
    this.probeTimer = 0;
    const p = this.probe;
    this.probe = null;
    if (p) p.close("probe");
  }

  // swap makes a probe that has joined the connection. The server has
  // already moved us to it (the long poll was told "replaced"), so the long
  // poll is closed without a word to the page; what was asked on it is asked
  // again on the WebSocket.
  /** @param {Transport} t */
  swap(t) {
    const old = this.t;
    this.probe = null;
    this.t = t;
    this.joined = false;
    this.probeWait = WS_RETRY_AFTER;
    this.wsFailures = 0;
    clearTimeout(this.pingTimer);
    if (old) {
      this.rejectPending(old);
      old.close("upgraded");
    }
  }

  // rejectPending fails the requests still waiting for an answer on t.
  /** @param {Transport} t */
  rejectPending(t) {
    for (const [id, p] of this.pending) {
      if (p.t !== t) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new SignalError("disconnected", "the connection ended"));
    }
  }

  // backoff is the wait before the next try, longer after each failure.
  backoff() {
    const d = backoffDelay(this.attempt, Math.random());
    this.attempt = Math.min(this.attempt + 1, 10);
    return d;
  }

  /** @param {import("./protocol.js").Frame} f a frame (transport.js checked its shape) */
  received(f) {
    const p = f.id ? this.pending.get(f.id) : undefined;
    if (f.id && p) {
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.type === "error") p.reject(new SignalError(f.data?.code || "internal", f.data?.message, f.data?.fields));
      else p.resolve(f);
      return;
    }
    // An acknowledgement whose request had already timed out: the message
    // is stored all the same.
    if (f.type === "chat.ack" && this.outbox.acked(f.data)) return;
    this.dispatchEvent(new CustomEvent("frame", { detail: f }));
  }

  /**
   * request sends a frame with an id and resolves with the answering frame
   * (or rejects with a SignalError: the server's error, "disconnected" or
   * "timeout"). It goes on the current transport, or on `via`.
   * @param {string} type
   * @param {any} [data]
   * @param {{timeout?: number, via?: Transport|null}} [opts]
   * @returns {Promise<import("./protocol.js").Frame>}
   */
  request(type, data, { timeout = REQUEST_TIMEOUT, via = this.t } = {}) {
    return new Promise((resolve, reject) => {
      const t = via;
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
   * notify sends a frame that needs no answer, if connected.
   * @param {string} type
   * @param {any} [data]
   * @returns {boolean}
   */
  notify(type, data) {
    if (!this.joined || !this.t) return false;
    this.t.send(buildFrame(type, data));
    return true;
  }

  /**
   * savedChat returns the messages that an earlier page of this tab had not
   * yet seen stored ({client_id, body, at}, oldest first): the chat shows
   * them and passes them to sendChat again.
   * @returns {import("./outbox.js").Saved[]}
   */
  savedChat() {
    return this.outbox.saved();
  }

  /**
   * sendChat sends a message and resolves with the chat.ack data once it is
   * stored. Until then it is kept, in sessionStorage too, and sent again
   * after every reconnect (and after a reload) with the same client_id, so
   * that it is stored exactly once. It rejects only when the server refuses
   * it (invalid, rate_limited, ...).
   * @param {string} clientId
   * @param {string} body
   * @param {number} [at] when it was written, in ms
   * @returns {Promise<import("./protocol.js").ChatAck>}
   */
  sendChat(clientId, body, at = Date.now()) {
    return this.outbox.send(clientId, body, at);
  }

  /**
   * forgetChat drops an outbox message that arrived some other way (in the
   * catch-up of a join after its acknowledgement was lost).
   * @param {string} clientId
   * @param {import("./protocol.js").ChatMessage} message
   */
  forgetChat(clientId, message) {
    this.outbox.forget(clientId, message);
  }

  // leave says goodbye; the server answers and then closes the connection
  // (a connection that does not close soon after is closed here).
  async leave() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.stopProbe();
    this.leaving = true; // whatever happens to the connection meanwhile, the end is "left"
    const t = this.t;
    if (!this.joined || !t) {
      this.t = null;
      if (t) t.close("left");
      this.setState("left", { reason: "left" });
      return;
    }
    try {
      await this.request("leave", undefined, { timeout: 3000 });
    } catch {
      // closing is what matters
    }
    if (this.t !== t) {
      if (this.state !== "left") this.setState("left", { reason: "left" });
      return;
    }
    await new Promise((/** @type {(v?: unknown) => void} */ resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.removeEventListener("state", done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      this.addEventListener("state", done);
    });
    if (this.t === t) t.close("left");
  }

  schedulePing() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ping(), PING_EVERY);
  }

  // ping checks that the connection is alive and measures the clock offset.
  async ping() {
    const t = this.t;
    if (!t || !this.joined) return;
    const sent = performance.now();
    try {
      const f = await this.request("ping", undefined, { timeout: 10000 });
      this.sample(f.data?.server_time, sent, performance.now());
      this.schedulePing();
    } catch (err) {
      if (/** @type {SignalError} */ (err).code === "timeout" && this.t === t) t.close("no pong"); // a dead connection
    }
  }

  /**
   * sample takes a server time seen between two local instants; the
   * estimate from the fastest round trip wins.
   * @param {string|undefined} serverTime
   * @param {number} sent performance.now() before
   * @param {number} received performance.now() after
   */
  sample(serverTime, sent, received) {
    const at = Date.parse(serverTime || "");
    if (Number.isNaN(at)) return;
    const rtt = received - sent;
    if (rtt > this.clockRTT) return;
    this.clockRTT = rtt;
    const localMid = Date.now() - (performance.now() - (sent + received) / 2);
    this.clockOffset = at - localMid;
  }

  // serverNow is the server's clock, as well as this page knows it.
  serverNow() {
    return Date.now() + this.clockOffset;
  }
}

// @ts-check
// The room's connection to the server (docs/protocol.md): JSON frames over a
// WebSocket, or over HTTP long polling where WebSockets are blocked
// (transport.js). One Signal outlives its transports: it joins on every
// (re)connect with the session and the last message seen, reconnects with
// backoff, moves back to the WebSocket when it works again (as reconnect.js
// decides, with a probe: probe.js), measures the server's clock (clock.js),
// and keeps unacknowledged chat messages (signal.outbox, outbox.js) to send
// again with their same client_id. Requests and their answers are
// requests.js's.
//
// Events (on the Signal, an EventTarget):
//   "state"  detail {state, transport, retryAt, reason, message}
//   "joined" detail: the data of the joined frame (before the outbox is resent)
//   "frame"  detail: a server frame that answers no request of ours

import { WSTransport, PollTransport } from "./transport.js";
import { ChatOutbox } from "./outbox.js";
import { Requests, errorCode } from "./requests.js";
import { ServerClock } from "./clock.js";
import { TransportPolicy, finalState, isFinal } from "./reconnect.js";
import { WSProbe } from "./probe.js";
import { buildFrame } from "./protocol.js";
import { mark } from "./marks.js";

const REQUEST_TIMEOUT = 15000;
const PING_EVERY = 25000;

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
    this.state = "idle";
    this.transportName = "";
    this.clock = new ServerClock();
    /** @type {Transport|null} the current transport */
    this.t = null;
    this.joined = false;
    this.everJoined = false;
    this.joinedAt = 0; // performance.now() of the last join
    this.requests = new Requests();
    /** The chat messages sent and not yet stored: the chat sends through it. */
    this.outbox = new ChatOutbox(roomId, this);
    this.policy = new TransportPolicy(forceLongPoll);
    this.probe = new WSProbe({
      policy: this.policy,
      wanted: () => this.joined && this.t?.name === "longpoll",
      open: () => this.transport(WSTransport),
    });
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.retryTimer = 0;
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.pingTimer = 0;
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
      this.probe.stop();
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
    this.policy.attempt = 0;
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
    if (!this.policy.usePoll) {
      try {
        this.t = this.transport(WSTransport);
        return;
      } catch {
        this.policy.usePoll = true; // no WebSocket at all (or a policy refuses it)
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
      onFrame: (t, f) => (this.t === t || this.probe.t === t) && this.received(f),
      onClose: (t, info) => (this.probe.t === t ? this.probeClosed() : this.closed(t, info)),
    });
  }

  /** @param {Transport} t */
  opened(t) {
    const upgrade = this.probe.t === t;
    if (this.t !== t && !upgrade) return;
    if (upgrade) t.joining = true;
    else this.transportName = t.name;
    mark("socket");
    const data = { ...this.joinData() };
    const sent = performance.now();
    this.request("join", data, { via: t }).then(
      (f) => {
        if (upgrade && this.probe.t === t) this.swap(t);
        if (this.t !== t) return;
        this.transportName = t.name;
        this.joined = true;
        this.joinedAt = performance.now();
        this.everJoined = true;
        this.policy.joined(t.name);
        if (t.name !== "websocket") this.probe.schedule();
        this.clock.sample(f.data?.timer?.server_time, sent, performance.now());
        this.setState("open");
        mark("joined");
        this.dispatchEvent(new CustomEvent("joined", { detail: f.data }));
        // What is not yet sent on this connection goes now; the server
        // stores each client_id once, whatever went before.
        this.outbox.resend(t);
        this.schedulePing();
      },
      (err) => {
        // The server refused the join: try again later. Unavailable is a
        // server restarting or a room moving between servers, which says
        // nothing against WebSockets.
        if ((this.t === t || this.probe.t === t) && err.code !== "disconnected") {
          t.close(err.code === "unavailable" ? "restarting" : "join failed");
        }
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
    this.requests.fail(t);
    if (this.leaving) reason = "left"; // a connection lost while leaving does not come back
    // The server moved us to the WebSocket that is joining: its answer
    // decides what comes next (see probeClosed).
    if (reason === "replaced" && this.probe.t?.joining) return;
    this.probe.stop();
    const final = finalState(reason);
    if (final) {
      this.setState(final, { reason, message });
      return;
    }
    if (reason === "pagehide") return;
    let delay = this.policy.backoff();
    const lived = wasJoined ? performance.now() - this.joinedAt : 0;
    if (t.name === "websocket" && this.policy.wsFailed(wasJoined, lived, reason)) delay = 0;
    // A long-poll connection that the server has forgotten (nobody polled
    // it for a while, or a newer one of ours took its place): open another
    // at once. Only a connection that never joined waits, so as not to loop.
    if (reason === "conn_ended" && wasJoined) delay = 0;
    if (t.name === "longpoll") this.policy.pollFailed(opened, reason);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState(this.everJoined ? "reconnecting" : "connecting", { retryAt: Date.now() + delay, reason });
  }

  // probeClosed: the WebSocket did not get as far as joining. If the long
  // poll gave way to it meanwhile, connect again as after any drop.
  probeClosed() {
    this.probe.failed();
    if (!this.t && !this.retryTimer && this.state === "open") {
      this.policy.usePoll = true;
      this.retryTimer = setTimeout(() => this.connect(), 0);
      this.setState("reconnecting", { reason: "gone" });
      return;
    }
    if (this.joined && this.t?.name === "longpoll") this.probe.schedule();
  }

  // swap makes a probe that has joined the connection. The server has
  // already moved us to it (the long poll was told "replaced"), so the long
  // poll is closed without a word to the page; what was asked on it is asked
  // again on the WebSocket.
  /** @param {Transport} t */
  swap(t) {
    const old = this.t;
    this.probe.taken();
    this.t = t;
    this.joined = false;
    clearTimeout(this.pingTimer);
    if (old) {
      this.requests.fail(old);
      old.close("upgraded");
    }
  }

  /** @param {import("./protocol.js").Frame} f a frame (transport.js checked its shape) */
  received(f) {
    if (this.requests.answer(f)) return;
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
    return this.requests.send(via, type, data, timeout);
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

  // leave says goodbye; the server answers and then closes the connection
  // (a connection that does not close soon after is closed here).
  async leave() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.probe.stop();
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
      this.clock.sample(f.data?.server_time, sent, performance.now());
      this.schedulePing();
    } catch (err) {
      if (errorCode(err) === "timeout" && this.t === t) t.close("no pong"); // a dead connection
    }
  }

  // serverNow is the server's clock, as well as this page knows it.
  serverNow() {
    return this.clock.now();
  }
}

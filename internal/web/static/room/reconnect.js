// @ts-check
// When the room connection connects again, and how (docs/protocol.md,
// "Transports"): the states that wait for the person instead, the backoff
// between tries, and the choice between a WebSocket and long polling: a
// few WebSockets that fail in a row mean the network blocks them, and long
// polling that has worked a while tries the WebSocket again, ever less
// often while it stays blocked. Pure (tested with node): the Signal
// (signal.js) acts on it.

const BACKOFF_BASE = 500; // ms: the first retry; it doubles up to BACKOFF_MAX
const BACKOFF_MAX = 15000;
const MAX_ATTEMPT = 10; // the attempts counted for the backoff
const WS_FAILURES_BEFORE_POLL = 2; // on a page where no WebSocket has worked yet
const WS_FAILURES_AFTER_WORKED = 3; // once one has: the network changed, or a proxy now drops them
const WS_SHORT_LIVED = 30000; // a WebSocket that dies sooner after joining counts as failed
const WS_RETRY_AFTER = 5 * 60000; // long polling that has worked this long tries the WebSocket again
const WS_RETRY_MAX = 40 * 60000; // and, while the WebSocket stays blocked, ever less often, down to this

// What a closed connection means for the page: final states do not reconnect.
// signed_out: the session cookie is gone (401); closed: the server does not
// let this page into the room (403: not open now, or 404: not ours).
/** @type {Object<string, string>} */
const FINAL = { replaced: "replaced", left: "left", room_ended: "ended", signed_out: "signed_out", closed: "closed" };

/**
 * finalState is the final state a connection that ended for a reason puts
 * the page in, or "" when it reconnects.
 * @param {string} reason
 * @returns {string}
 */
export function finalState(reason) {
  return Object.hasOwn(FINAL, reason) ? FINAL[reason] : "";
}

/**
 * isFinal reports whether a state of the Signal waits for the person rather
 * than reconnecting by itself.
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

// TransportPolicy keeps what the connection learnt of this network: how
// many tries failed, whether WebSockets work, and when to try one again.
export class TransportPolicy {
  /** @param {boolean} forceLongPoll never the WebSocket (?transport=longpoll) */
  constructor(forceLongPoll) {
    this.forceLongPoll = forceLongPoll;
    this.usePoll = forceLongPoll;
    this.attempt = 0; // tries since the last join
    this.wsFailures = 0;
    this.wsWorked = false;
    this.probeWait = WS_RETRY_AFTER; // ms of long polling before the WebSocket is tried again
  }

  /**
   * backoff is the wait before the next try, longer after each failure.
   * @param {number} [random] in [0, 1)
   * @returns {number} ms
   */
  backoff(random = Math.random()) {
    const d = backoffDelay(this.attempt, random);
    this.attempt = Math.min(this.attempt + 1, MAX_ATTEMPT);
    return d;
  }

  /**
   * joined counts a join: the tries start over, and a WebSocket that
   * joined is what this page uses from now on.
   * @param {string} transport websocket or longpoll
   */
  joined(transport) {
    this.attempt = 0;
    if (transport !== "websocket") return;
    this.wsWorked = true;
    this.usePoll = this.forceLongPoll;
  }

  /**
   * wsFailed counts a closed WebSocket that did not get as far as joining,
   * or died soon after, without the server saying why. A few in a row mean
   * that the network blocks them (two where none has worked yet, three
   * where one had): it reports whether long polling takes over now.
   * @param {boolean} wasJoined
   * @param {number} lived ms since it joined
   * @param {string} reason
   * @returns {boolean}
   */
  wsFailed(wasJoined, lived, reason) {
    // "restarting" came from the server over the WebSocket (close code
    // 1012, or a join refused as unavailable while a room moves between
    // servers): WebSockets get through, joined or not.
    if (reason === "restarting" || (wasJoined && (lived >= WS_SHORT_LIVED || reason === "too_slow"))) {
      this.wsFailures = 0;
      return false;
    }
    this.wsFailures++;
    if (this.wsFailures < (this.wsWorked ? WS_FAILURES_AFTER_WORKED : WS_FAILURES_BEFORE_POLL)) return false;
    this.usePoll = true;
    return true;
  }

  /**
   * pollFailed counts a long poll that ended: one that could not even
   * open means the server is unreachable rather than the WebSocket
   * blocked, so the WebSocket goes first again next time.
   * @param {boolean} opened
   * @param {string} reason
   */
  pollFailed(opened, reason) {
    if (opened || this.forceLongPoll || reason !== "unreachable") return;
    this.usePoll = false;
    this.wsFailures = 0;
  }

  // probeFailed waits twice as long (up to WS_RETRY_MAX) before the
  // WebSocket is tried again beside long polling.
  probeFailed() {
    this.probeWait = Math.min(this.probeWait * 2, WS_RETRY_MAX);
  }

  // upgraded: a WebSocket took over from long polling.
  upgraded() {
    this.probeWait = WS_RETRY_AFTER;
    this.wsFailures = 0;
  }
}

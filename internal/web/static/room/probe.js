// @ts-check
// The way back from long polling to a WebSocket (docs/protocol.md,
// "Transports"): once long polling has worked for a while, a WebSocket
// (the probe) is opened beside it and joins. The server then moves the
// room to it, and tells the long poll "replaced"; the Signal (signal.js)
// swaps the two. What blocked the WebSocket (a network, a proxy, a moment
// when the server was away) may be gone; a probe that is still blocked
// costs nothing visible, and is tried again ever less often
// (reconnect.js's probeWait).

/** @typedef {import("./transport.js").Transport} Transport */

// WSProbe is the WebSocket that tries to take over from long polling, and
// when it is next tried.
export class WSProbe {
  /**
   * @param {object} o
   * @param {import("./reconnect.js").TransportPolicy} o.policy
   * @param {() => boolean} o.wanted whether a probe may start now (joined on long polling)
   * @param {() => Transport} o.open opens a WebSocket that reports to the Signal; it may throw
   */
  constructor({ policy, wanted, open }) {
    this.policy = policy;
    this.wanted = wanted;
    this.open = open;
    /** @type {Transport|null} the WebSocket trying to take over */
    this.t = null;
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.timer = 0;
  }

  // schedule opens a probe once long polling has worked for probeWait.
  schedule() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.policy.forceLongPoll || typeof WebSocket === "undefined") return;
    this.timer = setTimeout(() => this.start(), this.policy.probeWait);
  }

  start() {
    this.timer = 0;
    if (!this.wanted() || this.t) return;
    try {
      this.t = this.open();
    } catch {
      // refused outright: long polling it is
    }
  }

  // failed: the probe closed before it joined.
  failed() {
    this.t = null;
    this.policy.probeFailed();
  }

  // taken: the probe joined, and is the room's connection now.
  taken() {
    this.t = null;
    this.policy.upgraded();
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = 0;
    const p = this.t;
    this.t = null;
    if (p) p.close("probe");
  }
}

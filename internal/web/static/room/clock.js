// @ts-check
// The server's clock, as the page knows it: each answer that carries the
// server's time (joined, pong) is a sample taken between two local
// instants; the one from the fastest round trip wins, its midpoint taken
// as when the server read its clock. Pure given its clocks (tested with
// node).

// ServerClock is the best estimate yet of the server's clock.
export class ServerClock {
  /**
   * @param {object} [o]
   * @param {() => number} [o.wall] the local time in ms (Date.now)
   * @param {() => number} [o.mono] a monotonic clock in ms (performance.now)
   */
  constructor({ wall = () => Date.now(), mono = () => performance.now() } = {}) {
    this.wall = wall;
    this.mono = mono;
    this.offset = 0; // server time minus local time, in ms
    this.rtt = Infinity; // the round trip of the sample taken
  }

  /**
   * sample takes a server time seen between two local instants.
   * @param {string|undefined} serverTime RFC 3339
   * @param {number} sent mono() before
   * @param {number} received mono() after
   */
  sample(serverTime, sent, received) {
    const at = Date.parse(serverTime || "");
    if (Number.isNaN(at)) return;
    const rtt = received - sent;
    if (rtt > this.rtt) return;
    this.rtt = rtt;
    const localMid = this.wall() - (this.mono() - (sent + received) / 2);
    this.offset = at - localMid;
  }

  // now is the server's clock, as well as this page knows it.
  now() {
    return this.wall() + this.offset;
  }
}

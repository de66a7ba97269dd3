// @ts-check
// The call timer. The server keeps it: every page counts from the same
// started_at, against its own clock corrected by the server's time, so that
// both people see the same figure.

import { clockFormat } from "./dom.js";

/** @param {number} n */
function two(n) {
  return String(n).padStart(2, "0");
}

/**
 * formatElapsed shows a duration in ms as m:ss, or h:mm:ss from an hour on.
 * @param {number} ms
 * @returns {string}
 */
export function formatElapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export class CallTimer {
  /**
   * @param {HTMLElement} root the timer element
   * @param {object} o
   * @param {() => number} o.now the server's time in ms, as the page knows it
   * @param {string} [o.zone] the time zone for clock times
   */
  constructor(root, { now, zone }) {
    this.root = root;
    this.now = now;
    this.clock = /** @type {HTMLElement} */ (root.querySelector("[data-timer-clock]"));
    this.sub = /** @type {HTMLElement} */ (root.querySelector("[data-timer-sub]"));
    this.notice = /** @type {HTMLElement} */ (root.querySelector("[data-timer-notice]"));
    /** @type {number|null} */
    this.startedAt = null;
    /** @type {number|null} */
    this.end = null;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.tick = undefined;
    this.waitingText = "The timer starts when you are both here.";
    this.fmt = clockFormat(zone);
    this.render();
  }

  /**
   * set takes a timer from joined or timer frames.
   * @param {import("./protocol.js").TimerInfo|undefined} info
   */
  set(info) {
    if (!info) return;
    const end = Date.parse(info.scheduled_end || "");
    if (!Number.isNaN(end)) this.end = end;
    const started = info.started_at ? Date.parse(info.started_at) : NaN;
    if (Number.isNaN(started)) {
      this.startedAt = null;
      delete this.root.dataset.startedAt;
    } else {
      this.startedAt = started;
      this.root.dataset.startedAt = new Date(started).toISOString();
    }
    this.render();
  }

  /**
   * waiting sets what the timer says before the call starts.
   * @param {string} text
   */
  waiting(text) {
    this.waitingText = text;
    if (this.startedAt === null) this.render();
  }

  /**
   * warning shows a timer.warning: five minutes left, or the scheduled end.
   * @param {{kind?: string}|undefined} w
   */
  warning(w) {
    const kind = w?.kind;
    if (kind !== "five_minutes" && kind !== "ended") return;
    this.notice.dataset.warning = kind;
    this.notice.textContent =
      kind === "five_minutes"
        ? "Five minutes left in the scheduled time."
        : "The scheduled time is up. The call goes on until you leave.";
    this.notice.hidden = false;
    this.render();
  }

  render() {
    clearTimeout(this.tick);
    const now = this.now();
    if (this.startedAt === null) {
      this.root.dataset.state = "waiting";
      this.clock.textContent = "0:00";
      this.sub.textContent = this.waitingText;
      return;
    }
    const elapsed = now - this.startedAt;
    this.root.dataset.state = "running";
    this.clock.textContent = formatElapsed(elapsed);
    if (this.end !== null) {
      const left = this.end - now;
      const until = this.fmt.format(new Date(this.end));
      if (left > 0) {
        const min = Math.ceil(left / 60000);
        this.sub.textContent = `Scheduled until ${until} · ${min} min left`;
        this.root.dataset.left = left <= 5 * 60000 ? "soon" : "";
      } else {
        const over = Math.floor(-left / 60000);
        this.sub.textContent = over < 1 ? `Scheduled until ${until} · time is up` : `${over} min over the scheduled ${until}`;
        this.root.dataset.left = "over";
      }
    }
    // the next whole second of the call
    const wait = 1000 - (((elapsed % 1000) + 1000) % 1000) + 5;
    this.tick = setTimeout(() => this.render(), wait);
  }
}

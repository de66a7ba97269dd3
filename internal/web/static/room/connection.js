// @ts-check
// The connection indicator in the room's top bar: a dot and a word for the
// room connection's state, the wait before the next try with a way to try
// now, and, behind Connection details, how the page is connected.

import { finder } from "./dom.js";

const CONN_TEXT = /** @type {Object<string, string>} */ ({
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting",
  replaced: "Open in another tab",
  left: "You left",
  ended: "The call has ended",
  signed_out: "Signed out",
  closed: "Room closed",
});

/**
 * connectionWords says a connection state in plain words.
 * @param {string} state
 * @returns {string}
 */
export function connectionWords(state) {
  return CONN_TEXT[state] || state;
}

/**
 * transportWords says, for Connection details, how the page talks to the
 * room.
 * @param {string} transport websocket, longpoll, or "" while not connected
 * @returns {string}
 */
export function transportWords(transport) {
  if (transport === "longpoll") return "Room connection: HTTP long polling (WebSockets are blocked on this network)";
  if (transport === "websocket") return "Room connection: a WebSocket";
  return "Room connection: not connected";
}

export class ConnectionIndicator {
  /**
   * @param {HTMLElement} root the room section
   * @param {{onRetry: () => void}} events
   */
  constructor(root, { onRetry }) {
    const $ = finder(root);
    this.indicator = $("[data-conn-indicator]");
    this.text = $("[data-conn-text]");
    this.wait = $("[data-conn-wait]");
    this.retry = $("[data-conn-retry]");
    this.details = $("[data-conn-details]");
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.countdown = undefined;
    this.retry.addEventListener("click", onRetry);
  }

  /**
   * show draws a state of the connection.
   * @param {string} state
   * @param {string} transport
   * @param {number} [retryAt] when the next try is, in ms
   */
  show(state, transport, retryAt) {
    this.indicator.dataset.state = state;
    const text = connectionWords(state);
    if (state === "open") {
      this.indicator.title = transport === "longpoll" ? "Connected over HTTP long polling (WebSockets are blocked on this network)" : "Connected over a WebSocket";
    }
    if (this.text.textContent !== text) this.text.textContent = text; // a live region: say each change once
    if (this.details) this.details.textContent = transportWords(state === "open" ? transport : "");
    const waiting = !!retryAt && retryAt - Date.now() > 300;
    this.retry.hidden = !waiting;
    clearInterval(this.countdown);
    this.wait.textContent = "";
    if (!waiting) return;
    const tickDown = () => {
      const s = Math.ceil(((retryAt || 0) - Date.now()) / 1000);
      this.wait.textContent = s > 0 ? ` in ${s} s…` : "…";
    };
    tickDown();
    this.countdown = setInterval(tickDown, 1000);
  }
}

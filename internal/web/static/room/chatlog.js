// @ts-check
// The chat's log on the page: stored messages in sequence order ([session,
// seq]), each shown once (by its id) and at most MAX_SHOWN of them; below
// them our messages still sending, and the AI's replies being written; a
// "New messages" marker and dividers between calls. Every message is
// text: links are made clickable (links.js), nothing is parsed as HTML.

import { linkify } from "./links.js";
import { el } from "./dom.js";

const MAX_SHOWN = 2000; // messages kept on the page: a long session must not grow it without end

/** @typedef {import("./protocol.js").ChatMessage} ChatMessage */
/** @typedef {[number, number]} Key a message's place: [session, seq] */

/**
 * before reports whether a message's key comes before another's.
 * @param {Key} a
 * @param {Key} b
 * @returns {boolean}
 */
export function before(a, b) {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/**
 * insertAt is where a key goes among keys in order: after every key not
 * after it (searched from the end, where live messages go).
 * @param {{key: Key}[]} order
 * @param {Key} key
 * @returns {number}
 */
export function insertAt(order, key) {
  let i = order.length;
  while (i > 0 && before(key, order[i - 1].key)) i--;
  return i;
}

/**
 * messageClass is a message's class: ours, theirs, or its kind (system, ai).
 * @param {ChatMessage} m
 * @param {boolean} mine
 * @returns {string}
 */
export function messageClass(m, mine) {
  return `msg msg-${m.kind === "text" ? (mine ? "mine" : "theirs") : m.kind}`;
}

/**
 * senderLabel is who wrote a message, as the log says it.
 * @param {ChatMessage} m
 * @param {boolean} mine
 * @param {(id: number) => string} nameOf a participant's name, "" when unknown
 * @returns {string}
 */
export function senderLabel(m, mine, nameOf) {
  if (mine) return "You";
  return m.sender_name || (m.kind === "system" ? "Rapport" : nameOf(m.sender_id || 0) || "Someone");
}

/**
 * entry makes a message's element: who wrote it, a status or time (if
 * any), and its text with links.
 * @param {string} cls
 * @param {string} who
 * @param {HTMLElement|null} status
 * @param {string} body
 * @returns {HTMLLIElement}
 */
function entry(cls, who, status, body) {
  const li = el("li", cls);
  const meta = el("div", "msg-meta");
  meta.append(el("span", "msg-who", who));
  if (status) meta.append(" ", status);
  const p = el("p", "msg-body");
  p.append(linkify(body));
  li.append(meta, p);
  return li;
}

// ChatLog is the log's list of messages, and what it holds besides.
export class ChatLog {
  /**
   * @param {HTMLElement} log the ol of messages
   * @param {HTMLElement} empty what the log says while it is empty
   * @param {Intl.DateTimeFormat} timeFmt
   */
  constructor(log, empty, timeFmt) {
    this.log = log;
    this.empty = empty;
    this.timeFmt = timeFmt;
    /** @type {Map<number, HTMLElement>} message id -> element, for those shown */
    this.byId = new Map();
    /** @type {{key: Key, id: number, el: HTMLElement}[]} shown messages in order */
    this.order = [];
    /** @type {Key|null} the key of the newest message dropped for MAX_SHOWN */
    this.floor = null;
    /** @type {Map<string, HTMLElement>} client_id -> our message still sending */
    this.pending = new Map();
    /** @type {Map<string, HTMLElement>} ai.stream id -> the reply being written */
    this.writing = new Map();
    /** @type {HTMLElement|null} */
    this.marker = null;
  }

  /**
   * has reports whether a message is shown (by its id).
   * @param {number} id
   */
  has(id) {
    return this.byId.has(id);
  }

  /**
   * tooOld reports whether a message is at or before the last one dropped
   * for MAX_SHOWN: shown already (byId has forgotten it), or too old to
   * show now.
   * @param {ChatMessage} m
   */
  tooOld(m) {
    return !!this.floor && !before(this.floor, [m.session_id, m.seq]);
  }

  /**
   * add shows a stored message in its place, and returns its element when
   * it is on the page (one older than all MAX_SHOWN kept is not).
   * @param {ChatMessage} m
   * @param {boolean} mine
   * @param {(id: number) => string} nameOf
   * @returns {HTMLElement|null}
   */
  add(m, mine, nameOf) {
    const li = this.render(m, mine, nameOf);
    this.byId.set(m.id, li);
    this.insert([m.session_id, m.seq], m.id, li);
    this.trim();
    if (!li.isConnected) return null;
    this.empty.hidden = true;
    return li;
  }

  /**
   * @param {ChatMessage} m
   * @param {boolean} mine
   * @param {(id: number) => string} nameOf
   * @returns {HTMLElement}
   */
  render(m, mine, nameOf) {
    const at = new Date(m.created_at);
    /** @type {HTMLTimeElement|null} */
    let time = null;
    if (!Number.isNaN(at.getTime())) {
      time = el("time", "msg-time", this.timeFmt.format(at));
      time.dateTime = at.toISOString();
      time.title = at.toISOString();
    }
    const li = entry(messageClass(m, mine), senderLabel(m, mine, nameOf), time, String(m.body ?? ""));
    li.dataset.id = String(m.id);
    li.dataset.seq = String(m.seq);
    if (m.sender_id) li.dataset.sender = String(m.sender_id);
    return li;
  }

  /**
   * @param {Key} key
   * @param {number} id
   * @param {HTMLElement} li
   */
  insert(key, id, li) {
    li.dataset.key = key.join(":");
    const o = this.order;
    const i = insertAt(o, key);
    const next = i < o.length ? o[i].el : this.firstPending();
    o.splice(i, 0, { key, id, el: li });
    this.log.insertBefore(li, next || null);
  }

  // trim drops the oldest messages past MAX_SHOWN from the page and from
  // byId and order. floor remembers the newest one dropped, so that add
  // still shows each message once: anything newer is checked by id,
  // anything older is not shown again.
  trim() {
    if (this.order.length <= MAX_SHOWN) return;
    while (this.order.length > MAX_SHOWN) {
      const o = this.order[0];
      this.order.shift();
      this.byId.delete(o.id);
      this.floor = o.key;
      o.el.remove();
    }
    // Dividers left above the oldest message kept mark nothing now; the
    // unread marker stays if it is right above it.
    const first = this.order[0].el;
    for (let x = first.previousElementSibling; x; ) {
      const prev = x.previousElementSibling;
      if (x !== this.marker || x.nextElementSibling !== first) {
        if (x === this.marker) this.marker = null;
        x.remove();
      }
      x = prev;
    }
  }

  firstPending() {
    for (const li of this.pending.values()) return li;
    return null;
  }

  /**
   * sending shows a message of ours as sending, at the end of the log.
   * @param {string} clientId
   * @param {string} body
   * @returns {HTMLElement}
   */
  sending(clientId, body) {
    const li = entry("msg msg-mine is-pending", "You", el("span", "msg-status", "Sending…"), body);
    li.dataset.clientId = clientId;
    li.setAttribute("aria-busy", "true");
    this.pending.set(clientId, li);
    this.log.append(li);
    this.empty.hidden = true;
    return li;
  }

  /**
   * unsend takes a message of ours off the log: stored, discarded, or
   * sent again.
   * @param {string} clientId
   * @param {HTMLElement} li
   */
  unsend(clientId, li) {
    li.remove();
    this.pending.delete(clientId);
  }

  /**
   * draft shows the AI's reply as it is written.
   * @param {string} id
   * @param {string} text
   */
  draft(id, text) {
    let li = this.writing.get(id);
    if (!li) {
      li = entry("msg msg-ai msg-writing", "AI co-coach", el("span", "msg-time", "writing…"), "");
      li.dataset.writing = id;
      this.log.append(li);
      this.writing.set(id, li);
      this.empty.hidden = true;
    }
    /** @type {HTMLElement} */ (li.querySelector(".msg-body")).textContent = text;
  }

  /**
   * undraft takes a reply being written off the log: it is done, or
   * stored as a message of its own.
   * @param {string} id
   */
  undraft(id) {
    this.writing.get(id)?.remove();
    this.writing.delete(id);
  }

  /** @param {HTMLElement} li */
  placeMarker(li) {
    this.marker?.remove();
    this.marker = el("li", "chat-marker", "New messages");
    this.marker.setAttribute("aria-hidden", "true");
    li.before(this.marker);
  }

  clearMarker() {
    this.marker?.remove();
    this.marker = null;
  }

  /** @param {string} text */
  divider(text) {
    const li = el("li", "chat-divider", text);
    const last = this.order.at(-1);
    if (last) last.el.after(li);
    else this.log.prepend(li);
  }
}

// @ts-check
// The room's chat panel: messages in sequence order and each shown once (by
// its id), one's own messages greyed until the server has stored them, an
// unread count while the panel is out of sight, who is typing, and links made
// clickable without ever treating a message as HTML.

import { linkify } from "./links.js";
import { clockFormat, el } from "./dom.js";

const MAX_BODY = 4000;
const TYPING_IDLE = 4000; // ms without a keystroke before "stopped typing"
const TYPING_STALE = 45000; // ms after which another's "typing" is dropped (a lost "stopped")
const MAX_SHOWN = 2000; // messages kept on the page: a long session must not grow it without end

// newClientId is a random ID for a message (crypto.randomUUID needs a
// secure context; this does not).
/** @returns {string} */
function newClientId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "c-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** @typedef {import("./protocol.js").ChatMessage} ChatMessage */
/** @typedef {[number, number]} Key a message's place: [session, seq] */

export class Chat {
  /**
   * @param {HTMLElement} root the chat section
   * @param {object} o
   * @param {import("./signal.js").Signal} o.signal the room's connection
   * @param {number} o.me my user id
   * @param {(id: number) => string} o.nameOf a participant's name
   * @param {string} [o.zone] the time zone to show times in
   */
  constructor(root, { signal, me, nameOf, zone }) {
    this.root = root;
    this.signal = signal;
    this.me = me;
    this.nameOf = nameOf;
    const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (root.querySelector(sel));
    this.log = $("[data-chat-log]");
    this.form = /** @type {HTMLFormElement} */ ($("[data-chat-form]"));
    this.input = /** @type {HTMLTextAreaElement} */ ($("textarea"));
    this.sendBtn = /** @type {HTMLButtonElement} */ (this.form.querySelector("button[type=submit]"));
    this.errorEl = $("[data-chat-error]");
    this.counter = $("[data-chat-count]");
    this.typingEl = $("[data-typing]");
    this.unreadEl = $("[data-unread]");
    this.toggle = /** @type {HTMLElement|null} */ ($("[data-chat-toggle]"));
    this.body = $("[data-chat-body]");
    this.jump = /** @type {HTMLElement|null} */ ($("[data-chat-jump]"));
    this.empty = $("[data-chat-empty]");
    this.askAI = /** @type {HTMLElement|null} */ ($("[data-ask-ai]"));
    this.aiStatus = /** @type {HTMLElement|null} */ ($("[data-ai-status]"));
    /** @type {Map<string, HTMLElement>} ai.stream id -> the reply being written */
    this.writing = new Map();
    this.timeFmt = clockFormat(zone);

    this.sessionId = 0;
    this.lastSeq = 0; // the highest seq seen in this session
    /** @type {Map<number, HTMLElement>} message id -> element, for those shown */
    this.byId = new Map();
    /** @type {{key: Key, id: number, el: HTMLElement}[]} shown messages in order */
    this.order = [];
    /** @type {Key|null} the key of the newest message dropped for MAX_SHOWN */
    this.floor = null;
    /** @type {Map<string, HTMLElement>} client_id -> element */
    this.pending = new Map();
    this.unread = 0;
    /** @type {HTMLElement|null} */
    this.marker = null;
    /** @type {Map<number, ReturnType<typeof setTimeout>>} user id -> when their typing goes stale */
    this.typers = new Map();
    this.typingActive = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.typingTimer = undefined;
    this.logInView = true;
    this.baseTitle = document.title;

    this.wire();
    this.updateUnread();
    // What an earlier page of this tab was still sending (a reload, say):
    // shown as sending again, and sent once the room is joined.
    for (const m of signal.outbox.saved()) this.send(m.client_id, m.body, m.at);
  }

  wire() {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !e.isComposing) {
        e.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("blur", () => this.setTyping(false));
    this.toggle?.addEventListener("click", () => this.setOpen(!!this.body.hidden));
    // Ask the AI: what is typed goes to the AI co-coach ("@ai" in front).
    this.askAI?.addEventListener("click", () => {
      const text = this.input.value.trim();
      if (!/(^|[^\p{L}\p{N}_@])@ai\b/iu.test(text)) this.input.value = text ? `@ai ${text}` : "@ai ";
      if (text) this.form.requestSubmit();
      else this.input.focus();
    });
    this.jump?.addEventListener("click", () => {
      this.scrollToEnd();
      this.maybeSeen();
    });
    // Scrolled to the end, the log stays there as it grows or is resized
    // (a phone turned, the panel shown again).
    this.stuck = true;
    this.log.addEventListener("scroll", () => {
      this.stuck = this.atEnd();
      if (this.stuck) this.maybeSeen();
      if (this.jump) this.jump.hidden = this.unread === 0 || this.stuck;
    });
    if ("ResizeObserver" in window) {
      new ResizeObserver(() => {
        if (this.stuck) this.scrollToEnd();
      }).observe(this.log);
    }
    addEventListener("focus", () => this.maybeSeen());
    document.addEventListener("visibilitychange", () => this.maybeSeen());
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(
        (entries) => {
          for (const e of entries) this.logInView = e.isIntersecting;
          this.maybeSeen();
        },
        { threshold: 0.25 },
      ).observe(this.log);
    }
  }

  /**
   * setOpen shows or hides the panel's body (the toggle in its heading).
   * @param {boolean} open
   */
  setOpen(open) {
    this.body.hidden = !open;
    this.root.dataset.open = String(open);
    this.toggle?.setAttribute("aria-expanded", String(open));
    const text = this.toggle?.querySelector("[data-toggle-text]");
    if (text) text.textContent = open ? "Hide" : "Show";
    if (open) {
      this.scrollToEnd();
      this.maybeSeen();
    }
    this.updateUnread();
  }

  // seen reports whether new messages are in front of the person now.
  seen() {
    return !document.hidden && document.hasFocus() && !this.body.hidden && this.logInView && this.atEnd();
  }

  maybeSeen() {
    if (this.unread > 0 && this.seen()) {
      this.unread = 0;
      this.updateUnread();
    }
  }

  updateUnread() {
    const n = this.unread;
    this.root.dataset.unread = String(n);
    this.unreadEl.hidden = n === 0;
    this.unreadEl.textContent = n === 0 ? "" : `${n} new`;
    if (this.jump) this.jump.hidden = n === 0 || this.atEnd();
    document.title = (n > 0 ? `(${n}) ` : "") + this.baseTitle;
  }

  atEnd() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 48;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /**
   * joined takes the chat part of a joined frame: on a fresh join the tail
   * of the session, on a reconnect what was missed.
   * @param {import("./protocol.js").Joined} j
   */
  async joined(j) {
    this.showAI(j.ai);
    const sid = j.session?.id || 0;
    const fresh = this.sessionId === 0;
    if (!fresh && sid !== this.sessionId) {
      this.divider("A new call started");
      this.lastSeq = 0;
    }
    this.sessionId = sid;
    const first = j.messages || [];
    this.addAll(first, !fresh);
    // Page through the rest with a cursor of our own: live messages that
    // arrive meanwhile raise lastSeq, and must not make a page skip.
    let cursor = first.length ? first[first.length - 1].seq : this.lastSeq;
    let more = j.more;
    while (more) {
      try {
        const f = await this.signal.request("chat.sync", { after_seq: cursor });
        const page = f.data?.messages || [];
        this.addAll(page, true);
        if (page.length) cursor = page[page.length - 1].seq;
        more = f.data?.more && page.length > 0;
      } catch {
        return; // the next join catches up
      }
    }
  }

  /** @param {import("./protocol.js").Frame} f */
  frame(f) {
    switch (f.type) {
      case "chat.message":
        if (f.data) this.addAll([f.data], true);
        break;
      case "typing":
        if (f.data) this.showTyping(f.data.user_id, f.data.active);
        break;
      case "ai.stream":
        if (f.data) this.aiWriting(f.data);
        break;
      case "ai.status":
        this.showAI(f.data);
        break;
    }
  }

  /**
   * showAI shows the Ask the AI button when the server has an AI, and says
   * when it is unavailable.
   * @param {import("./protocol.js").AIStatus|undefined} st
   */
  showAI(st) {
    const enabled = !!st?.enabled;
    if (this.askAI) this.askAI.hidden = !enabled;
    this.root.dataset.ai = !enabled ? "off" : st?.available ? "available" : "unavailable";
    if (!this.aiStatus) return;
    const down = enabled && !st.available;
    this.aiStatus.hidden = !down;
    this.aiStatus.textContent = down ? "The AI co-coach is unavailable right now; the call goes on. " + (st?.message ? `(${st.message})` : "") : "";
  }

  /**
   * aiWriting shows the AI's reply as it is written; once stored it comes
   * as a message of its own, and the draft goes.
   * @param {{id: string, text?: string, done?: boolean}} s
   */
  aiWriting({ id, text, done }) {
    let li = this.writing.get(id);
    if (done) {
      li?.remove();
      this.writing.delete(id);
      return;
    }
    const stick = this.stuck || this.atEnd();
    if (!li) {
      li = el("li", "msg msg-ai msg-writing");
      li.dataset.writing = id;
      const meta = el("div", "msg-meta");
      meta.append(el("span", "msg-who", "AI co-coach"), " ", el("span", "msg-time", "writing…"));
      li.append(meta, el("p", "msg-body"));
      this.log.append(li);
      this.writing.set(id, li);
      this.empty.hidden = true;
    }
    /** @type {HTMLElement} */ (li.querySelector(".msg-body")).textContent = text || "";
    if (stick) this.scrollToEnd();
  }

  /**
   * participantLeft forgets that someone who left was typing.
   * @param {number} userId
   */
  participantLeft(userId) {
    this.showTyping(userId, false);
  }

  /**
   * @param {ChatMessage[]} list
   * @param {boolean} live they come as they are written, not from the history
   */
  addAll(list, live) {
    const stick = this.stuck || this.atEnd();
    const seen = this.seen();
    let added = 0;
    for (const m of list) {
      if (this.add(m, live, seen)) added++;
    }
    if (added && stick) this.scrollToEnd();
    this.updateUnread();
  }

  /**
   * add shows a message once, in sequence order. It reports whether the
   * message was new.
   * @param {ChatMessage} m
   * @param {boolean} live
   * @param {boolean} seen the person sees the log now
   * @returns {boolean}
   */
  add(m, live, seen) {
    if (!m || typeof m.id !== "number" || this.byId.has(m.id)) return false;
    if (m.session_id === this.sessionId) this.lastSeq = Math.max(this.lastSeq, m.seq);
    // At or before the last message dropped for MAX_SHOWN: shown already
    // (byId has forgotten it), or too old to show now.
    /** @type {Key} */
    const key = [m.session_id, m.seq];
    if (this.floor && !before(this.floor, key)) return false;
    const mine = m.sender_id === this.me && m.kind === "text";
    const sending = m.client_id ? this.pending.get(m.client_id) : undefined;
    if (mine && m.client_id && sending) {
      // our message, stored, whose acknowledgement was lost: done
      sending.remove();
      this.pending.delete(m.client_id);
      this.signal.outbox.forget(m.client_id, m);
    }
    const draft = m.kind === "ai" && m.client_id ? this.writing.get(m.client_id) : undefined;
    if (draft && m.client_id) {
      draft.remove(); // the draft it was, now stored
      this.writing.delete(m.client_id);
    }
    const li = this.render(m, mine);
    this.byId.set(m.id, li);
    this.insert(key, m.id, li);
    this.trim();
    if (!li.isConnected) return false; // older than all MAX_SHOWN kept
    this.empty.hidden = true;
    if (live && !mine && m.kind !== "system" && !seen) {
      if (this.unread === 0) this.placeMarker(li);
      this.unread++;
    }
    if (m.sender_id && m.sender_id !== this.me) this.showTyping(m.sender_id, false);
    return true;
  }

  /**
   * @param {Key} key
   * @param {number} id
   * @param {HTMLElement} li
   */
  insert(key, id, li) {
    li.dataset.key = key.join(":");
    const o = this.order;
    let i = o.length;
    while (i > 0 && before(key, o[i - 1].key)) i--;
    const next = i < o.length ? o[i].el : this.firstPending();
    o.splice(i, 0, { key, id, el: li });
    this.log.insertBefore(li, next || null);
  }

  // trim drops the oldest messages past MAX_SHOWN from the page and from
  // byId and order. floor remembers the newest one dropped, so that add
  // still shows each message once: anything newer is checked by id,
  // anything older is not shown again. lastSeq is left alone: it is what
  // the server has given us, not what is on the page.
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

  /** @param {HTMLElement} li */
  placeMarker(li) {
    this.marker?.remove();
    this.marker = el("li", "chat-marker", "New messages");
    this.marker.setAttribute("aria-hidden", "true");
    li.before(this.marker);
  }

  /** @param {string} text */
  divider(text) {
    const li = el("li", "chat-divider", text);
    const last = this.order.at(-1);
    if (last) last.el.after(li);
    else this.log.prepend(li);
  }

  /**
   * @param {ChatMessage} m
   * @param {boolean} mine
   * @returns {HTMLElement}
   */
  render(m, mine) {
    const li = el("li", `msg msg-${m.kind === "text" ? (mine ? "mine" : "theirs") : m.kind}`);
    li.dataset.id = String(m.id);
    li.dataset.seq = String(m.seq);
    if (m.sender_id) li.dataset.sender = String(m.sender_id);
    const meta = el("div", "msg-meta");
    const who = mine ? "You" : m.sender_name || (m.kind === "system" ? "Rapport" : this.nameOf(m.sender_id || 0) || "Someone");
    meta.append(el("span", "msg-who", who));
    const at = new Date(m.created_at);
    if (!Number.isNaN(at.getTime())) {
      const t = el("time", "msg-time", this.timeFmt.format(at));
      t.dateTime = at.toISOString();
      t.title = at.toISOString();
      meta.append(" ", t);
    }
    const body = el("p", "msg-body");
    body.append(linkify(String(m.body ?? "")));
    li.append(meta, body);
    return li;
  }

  // submit sends what is typed. It shows at once, greyed, until stored.
  submit() {
    const body = this.input.value;
    if (body.trim() === "") {
      this.input.focus();
      return;
    }
    if ([...body].length > MAX_BODY) {
      this.showError(`A message can be at most ${MAX_BODY.toLocaleString()} characters.`);
      return;
    }
    this.showError("");
    this.input.value = "";
    this.updateCount();
    this.setTyping(false);
    this.marker?.remove();
    this.marker = null;
    this.send(newClientId(), body);
    this.input.focus();
  }

  /**
   * send shows a message of ours as sending and hands it to the outbox,
   * which keeps it until it is stored.
   * @param {string} clientId
   * @param {string} body
   * @param {number} [at] when it was written, in ms
   */
  send(clientId, body, at = Date.now()) {
    const li = el("li", "msg msg-mine is-pending");
    li.dataset.clientId = clientId;
    li.setAttribute("aria-busy", "true");
    const meta = el("div", "msg-meta");
    meta.append(el("span", "msg-who", "You"), " ", el("span", "msg-status", "Sending…"));
    const p = el("p", "msg-body");
    p.append(linkify(body));
    li.append(meta, p);
    this.pending.set(clientId, li);
    this.log.append(li);
    this.empty.hidden = true;
    this.scrollToEnd();
    this.signal.outbox.send(clientId, body, at).then(
      (ack) => {
        if (this.pending.get(clientId) === li) {
          li.remove();
          this.pending.delete(clientId);
        }
        if (ack?.message) this.addAll([ack.message], false);
        this.scrollToEnd();
      },
      (err) => this.failed(clientId, li, body, err),
    );
  }

  /**
   * failed marks a message the server refused, with a way to try again.
   * @param {string} clientId
   * @param {HTMLElement} li
   * @param {string} body
   * @param {{message: string, fields?: Object<string, string>}} err
   */
  failed(clientId, li, body, err) {
    li.classList.remove("is-pending");
    li.classList.add("is-failed");
    li.removeAttribute("aria-busy");
    const status = /** @type {HTMLElement} */ (li.querySelector(".msg-status"));
    const why = err.fields?.body ? `the message ${err.fields.body}` : err.message;
    status.textContent = `Not sent: ${why}`;
    const actions = el("div", "msg-actions");
    const retry = el("button", "link", "Try again");
    retry.type = "button";
    retry.addEventListener("click", () => {
      li.remove();
      this.pending.delete(clientId);
      this.send(clientId, body);
    });
    const discard = el("button", "link", "Discard");
    discard.type = "button";
    discard.addEventListener("click", () => {
      li.remove();
      this.pending.delete(clientId);
      if (this.input.value === "") this.input.value = body;
      this.input.focus();
    });
    actions.append(retry, " · ", discard);
    li.append(actions);
    this.showError(`Your message was not sent: ${why}`);
  }

  /** @param {string} text */
  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = text === "";
  }

  updateCount() {
    const n = [...this.input.value].length;
    this.counter.hidden = n < MAX_BODY - 500;
    this.counter.textContent = `${n.toLocaleString()} / ${MAX_BODY.toLocaleString()}`;
    this.counter.classList.toggle("over", n > MAX_BODY);
  }

  typed() {
    this.updateCount();
    if (this.errorEl.textContent && !this.errorEl.hidden) this.showError("");
    if (this.input.value.trim() === "") {
      this.setTyping(false);
      return;
    }
    this.setTyping(true);
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_IDLE);
  }

  /**
   * setTyping tells the others, once per change.
   * @param {boolean} active
   */
  setTyping(active) {
    if (!active) clearTimeout(this.typingTimer);
    if (this.typingActive === active) return;
    this.typingActive = active;
    this.signal.notify("typing", { active });
  }

  // reconnected forgets the typing state of the old connection.
  reconnected() {
    this.typingActive = false;
    for (const id of [...this.typers.keys()]) this.showTyping(id, false);
  }

  /**
   * @param {number} userId
   * @param {boolean} active
   */
  showTyping(userId, active) {
    clearTimeout(this.typers.get(userId));
    if (active) this.typers.set(userId, setTimeout(() => this.showTyping(userId, false), TYPING_STALE));
    else this.typers.delete(userId);
    const names = [...this.typers.keys()].map((id) => this.nameOf(id) || "Someone");
    this.typingEl.textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(" and ")} are typing…`;
  }

  /**
   * enable turns sending on or off (off once the person left the room).
   * @param {boolean} on
   */
  enable(on) {
    this.input.disabled = !on;
    this.sendBtn.disabled = !on;
  }
}

/**
 * before reports whether a message's key comes before another's.
 * @param {Key} a
 * @param {Key} b
 * @returns {boolean}
 */
export function before(a, b) {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

// The room's chat panel: messages in sequence order and each shown once (by
// its id), one's own messages greyed until the server has stored them, an
// unread count while the panel is out of sight, who is typing, and links made
// clickable without ever treating a message as HTML.

const MAX_BODY = 4000;
const TYPING_IDLE = 4000; // ms without a keystroke before "stopped typing"
const TYPING_STALE = 45000; // ms after which another's "typing" is dropped (a lost "stopped")
const MAX_SHOWN = 2000; // messages kept on the page: a long session must not grow it without end

// linkify returns the text as DOM nodes: text nodes, and <a> elements for
// http(s) URLs only. Nothing in text is ever parsed as HTML.
export function linkify(text) {
  const frag = document.createDocumentFragment();
  const re = /\bhttps?:\/\/[^\s<>"]+/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    let url = m[0];
    // Trailing punctuation ends the sentence, not the URL; a closing
    // bracket belongs to the URL only when it opened one.
    for (;;) {
      const c = url.at(-1);
      if (".,;:!?'*".includes(c)) url = url.slice(0, -1);
      else if (c === ")" && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
      else if (c === "]" && count(url, "[") < count(url, "]")) url = url.slice(0, -1);
      else break;
    }
    let href;
    try {
      const u = new URL(url);
      if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
    } catch {
      // not a URL after all: stays text
    }
    if (!href) continue;
    if (m.index > last) frag.append(text.slice(last, m.index));
    const a = document.createElement("a");
    a.href = href;
    a.textContent = url;
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    frag.append(a);
    last = m.index + url.length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

function count(s, ch) {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

// newClientId is a random ID for a message (crypto.randomUUID needs a
// secure context; this does not).
function newClientId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "c-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class Chat {
  // root: the chat section; signal: the room's Signal; me: my user id;
  // nameOf(id): a participant's name; zone: the time zone to show times in.
  constructor(root, { signal, me, nameOf, zone }) {
    this.root = root;
    this.signal = signal;
    this.me = me;
    this.nameOf = nameOf;
    this.log = root.querySelector("[data-chat-log]");
    this.form = root.querySelector("[data-chat-form]");
    this.input = root.querySelector("textarea");
    this.sendBtn = this.form.querySelector("button[type=submit]");
    this.errorEl = root.querySelector("[data-chat-error]");
    this.counter = root.querySelector("[data-chat-count]");
    this.typingEl = root.querySelector("[data-typing]");
    this.unreadEl = root.querySelector("[data-unread]");
    this.toggle = root.querySelector("[data-chat-toggle]");
    this.body = root.querySelector("[data-chat-body]");
    this.jump = root.querySelector("[data-chat-jump]");
    this.empty = root.querySelector("[data-chat-empty]");
    this.askAI = root.querySelector("[data-ask-ai]");
    this.aiStatus = root.querySelector("[data-ai-status]");
    this.writing = new Map(); // ai.stream id -> the reply being written
    let fmt;
    try {
      fmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: zone || undefined });
    } catch {
      fmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    }
    this.timeFmt = fmt;

    this.sessionId = 0;
    this.lastSeq = 0; // the highest seq seen in this session
    this.byId = new Map(); // message id -> element, for those shown
    this.order = []; // shown messages in order: {key: [session, seq], id, el}
    this.floor = null; // the key of the newest message dropped for MAX_SHOWN
    this.pending = new Map(); // client_id -> element
    this.unread = 0;
    this.marker = null;
    this.typers = new Map(); // user id -> timer
    this.typingActive = false;
    this.typingTimer = 0;
    this.logInView = true;
    this.baseTitle = document.title;

    this.wire();
    this.updateUnread();
    // What an earlier page of this tab was still sending (a reload, say):
    // shown as sending again, and sent once the room is joined.
    for (const m of signal.savedChat()) this.send(m.client_id, m.body, m.at);
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
    this.toggle?.addEventListener("click", () => this.setOpen(this.body.hidden));
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

  // setOpen shows or hides the panel's body (the toggle in its heading).
  setOpen(open) {
    this.body.hidden = !open;
    this.root.dataset.open = String(open);
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.querySelector("[data-toggle-text]").textContent = open ? "Hide" : "Show";
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

  // joined takes the chat part of a joined frame: on a fresh join the tail
  // of the session, on a reconnect what was missed.
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

  // showAI shows the Ask the AI button when the server has an AI, and says
  // when it is unavailable.
  showAI(st) {
    const enabled = !!st?.enabled;
    if (this.askAI) this.askAI.hidden = !enabled;
    this.root.dataset.ai = !enabled ? "off" : st.available ? "available" : "unavailable";
    if (!this.aiStatus) return;
    const down = enabled && !st.available;
    this.aiStatus.hidden = !down;
    this.aiStatus.textContent = down ? "The AI co-coach is unavailable right now; the call goes on. " + (st.message ? `(${st.message})` : "") : "";
  }

  // aiWriting shows the AI's reply as it is written; once stored it comes
  // as a message of its own, and the draft goes.
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
    li.querySelector(".msg-body").textContent = text || "";
    if (stick) this.scrollToEnd();
  }

  // participantLeft forgets that someone who left was typing.
  participantLeft(userId) {
    this.showTyping(userId, false);
  }

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

  // add shows a message once, in sequence order. It reports whether the
  // message was new.
  add(m, live, seen) {
    if (!m || typeof m.id !== "number" || this.byId.has(m.id)) return false;
    if (m.session_id === this.sessionId) this.lastSeq = Math.max(this.lastSeq, m.seq);
    // At or before the last message dropped for MAX_SHOWN: shown already
    // (byId has forgotten it), or too old to show now.
    const key = [m.session_id, m.seq];
    if (this.floor && !before(this.floor, key)) return false;
    const mine = m.sender_id === this.me && m.kind === "text";
    if (mine && m.client_id && this.pending.has(m.client_id)) {
      // our message, stored, whose acknowledgement was lost: done
      this.pending.get(m.client_id).remove();
      this.pending.delete(m.client_id);
      this.signal.forgetChat(m.client_id, m);
    }
    if (m.kind === "ai" && this.writing.has(m.client_id)) {
      this.writing.get(m.client_id).remove(); // the draft it was, now stored
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
      const o = this.order.shift();
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

  placeMarker(li) {
    this.marker?.remove();
    this.marker = el("li", "chat-marker", "New messages");
    this.marker.setAttribute("aria-hidden", "true");
    li.before(this.marker);
  }

  divider(text) {
    const li = el("li", "chat-divider", text);
    const last = this.order.at(-1);
    if (last) last.el.after(li);
    else this.log.prepend(li);
  }

  render(m, mine) {
    const li = el("li", `msg msg-${m.kind === "text" ? (mine ? "mine" : "theirs") : m.kind}`);
    li.dataset.id = String(m.id);
    li.dataset.seq = String(m.seq);
    if (m.sender_id) li.dataset.sender = String(m.sender_id);
    const meta = el("div", "msg-meta");
    const who = mine ? "You" : m.sender_name || (m.kind === "system" ? "Rapport" : this.nameOf(m.sender_id) || "Someone");
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

  // send shows a message of ours as sending and hands it to the Signal,
  // which keeps it until it is stored. at: when it was written, in ms.
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
    this.signal.sendChat(clientId, body, at).then(
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

  // failed marks a message the server refused, with a way to try again.
  failed(clientId, li, body, err) {
    li.classList.remove("is-pending");
    li.classList.add("is-failed");
    li.removeAttribute("aria-busy");
    const status = li.querySelector(".msg-status");
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

  // setTyping tells the others, once per change.
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

  showTyping(userId, active) {
    clearTimeout(this.typers.get(userId));
    if (active) this.typers.set(userId, setTimeout(() => this.showTyping(userId, false), TYPING_STALE));
    else this.typers.delete(userId);
    const names = [...this.typers.keys()].map((id) => this.nameOf(id) || "Someone");
    this.typingEl.textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(" and ")} are typing…`;
  }

  // enable turns sending on or off (off once the person left the room).
  enable(on) {
    this.input.disabled = !on;
    this.sendBtn.disabled = !on;
  }
}

function before(a, b) {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

// @ts-check
// The room's chat panel: messages in sequence order and each shown once (by
// its id), one's own messages greyed until the server has stored them, an
// unread count while the panel is out of sight, who is typing, and links made
// clickable without ever treating a message as HTML. The Chat takes the
// room's frames and sends through the room's connection; the parts of the
// panel are the log (chatlog.js), the unread count (unread.js), who is
// typing (typing.js) and where one writes (composer.js).

import { ChatLog } from "./chatlog.js";
import { Unread } from "./unread.js";
import { Typing } from "./typing.js";
import { Composer, newClientId } from "./composer.js";
import { clockFormat, el, finder } from "./dom.js";

/** @typedef {import("./protocol.js").ChatMessage} ChatMessage */

/**
 * failReason says why the server refused a message.
 * @param {{message: string, fields?: Object<string, string>}} err
 * @returns {string}
 */
export function failReason(err) {
  return err.fields?.body ? `the message ${err.fields.body}` : err.message;
}

// Chat is the chat panel of one room page.
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
    const $ = finder(root);
    this.toggle = /** @type {HTMLElement|null} */ ($("[data-chat-toggle]"));
    this.body = $("[data-chat-body]");
    this.aiStatus = /** @type {HTMLElement|null} */ ($("[data-ai-status]"));
    this.askAI = /** @type {HTMLElement|null} */ ($("[data-ask-ai]"));
    this.log = new ChatLog($("[data-chat-log]"), $("[data-chat-empty]"), clockFormat(zone));
    this.typing = new Typing($("[data-typing]"), { nameOf, tell: (active) => signal.notify("typing", { active }) });
    this.composer = new Composer(/** @type {HTMLFormElement} */ ($("[data-chat-form]")), {
      error: $("[data-chat-error]"),
      counter: $("[data-chat-count]"),
      askAI: this.askAI,
      onSend: (body) => {
        this.typing.set(false);
        this.log.clearMarker();
        this.send(newClientId(), body);
      },
      onInput: (text) => this.typing.typed(text),
      onBlur: () => this.typing.set(false),
    });
    this.toggle?.addEventListener("click", () => this.setOpen(!!this.body.hidden));
    this.unread = new Unread({ root, log: this.log.log, body: this.body, badge: $("[data-unread]"), jump: /** @type {HTMLElement|null} */ ($("[data-chat-jump]")) });

    this.sessionId = 0;
    this.lastSeq = 0; // the highest seq the server has given us in this session (not what the page keeps)
    this.unread.update();
    // What an earlier page of this tab was still sending (a reload, say):
    // shown as sending again, and sent once the room is joined.
    for (const m of signal.outbox.saved()) this.send(m.client_id, m.body, m.at);
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
      this.unread.scrollToEnd();
      this.unread.maybeSeen();
    }
    this.unread.update();
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
      this.log.divider("A new call started");
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
        if (f.data) this.typing.show(f.data.user_id, f.data.active);
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
    if (done) {
      this.log.undraft(id);
      return;
    }
    const stick = this.unread.follows();
    this.log.draft(id, text || "");
    if (stick) this.unread.scrollToEnd();
  }

  /**
   * participantLeft forgets that someone who left was typing.
   * @param {number} userId
   */
  participantLeft(userId) {
    this.typing.show(userId, false);
  }

  /**
   * @param {ChatMessage[]} list
   * @param {boolean} live they come as they are written, not from the history
   */
  addAll(list, live) {
    const stick = this.unread.follows();
    const seen = this.unread.seen();
    let added = 0;
    for (const m of list) {
      if (this.add(m, live, seen)) added++;
    }
    if (added && stick) this.unread.scrollToEnd();
    this.unread.update();
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
    if (!m || typeof m.id !== "number" || this.log.has(m.id)) return false;
    if (m.session_id === this.sessionId) this.lastSeq = Math.max(this.lastSeq, m.seq);
    if (this.log.tooOld(m)) return false;
    const mine = m.sender_id === this.me && m.kind === "text";
    const sending = m.client_id ? this.log.pending.get(m.client_id) : undefined;
    if (mine && m.client_id && sending) {
      // our message, stored, whose acknowledgement was lost: done
      this.log.unsend(m.client_id, sending);
      this.signal.outbox.forget(m.client_id, m);
    }
    if (m.kind === "ai" && m.client_id) this.log.undraft(m.client_id); // the draft it was, now stored
    const li = this.log.add(m, mine, this.nameOf);
    if (!li) return false; // older than all the log keeps
    if (live && !mine && m.kind !== "system" && !seen) {
      if (this.unread.count === 0) this.log.placeMarker(li);
      this.unread.added();
    }
    if (m.sender_id && m.sender_id !== this.me) this.typing.show(m.sender_id, false);
    return true;
  }

  /**
   * send shows a message of ours as sending and hands it to the outbox,
   * which keeps it until it is stored.
   * @param {string} clientId
   * @param {string} body
   * @param {number} [at] when it was written, in ms
   */
  send(clientId, body, at = Date.now()) {
    const li = this.log.sending(clientId, body);
    this.unread.scrollToEnd();
    this.signal.outbox.send(clientId, body, at).then(
      (ack) => {
        if (this.log.pending.get(clientId) === li) this.log.unsend(clientId, li);
        if (ack?.message) this.addAll([ack.message], false);
        this.unread.scrollToEnd();
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
    const why = failReason(err);
    status.textContent = `Not sent: ${why}`;
    const actions = el("div", "msg-actions");
    const retry = el("button", "link", "Try again");
    retry.type = "button";
    retry.addEventListener("click", () => {
      this.log.unsend(clientId, li);
      this.send(clientId, body);
    });
    const discard = el("button", "link", "Discard");
    discard.type = "button";
    discard.addEventListener("click", () => {
      this.log.unsend(clientId, li);
      this.composer.restore(body);
    });
    actions.append(retry, " · ", discard);
    li.append(actions);
    this.composer.showError(`Your message was not sent: ${why}`);
  }

  // reconnected forgets the typing state of the old connection.
  reconnected() {
    this.typing.reset();
  }

  /**
   * enable turns sending on or off (off once the person left the room).
   * @param {boolean} on
   */
  enable(on) {
    this.composer.enable(on);
  }
}

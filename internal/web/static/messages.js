// @ts-check
// A conversation's page, live: a message is shown once the server has
// stored it (a sent one waits, faded, until then), new ones arrive through
// the page's notice stream (app.js passes them on as "rapport:message"),
// and whenever that stream opens again the page asks for everything after
// the last message it holds, so that nothing is missed or shown twice.
// Without JavaScript the form posts and the page reloads.

/**
 * @typedef {{id: number, name: string, type: string, size: number}} FileInfo
 * @typedef {{id: number, seq: number, sender_id: number, client_id?: string, body: string, file?: FileInfo, created_at: string}} Message
 */

const RETRIES = 5; // attempts for a message the network lost

/** A link in a message's text: an http(s) address, without the sentence's end. */
const LINK = /https?:\/\/[^\s<>"']+/g;

/**
 * textWithLinks renders text as text nodes, with its addresses as links
 * that open apart from the app.
 * @param {string} text
 * @returns {Node[]}
 */
export function textWithLinks(text) {
  /** @type {Node[]} */
  const out = [];
  let last = 0;
  for (const m of text.matchAll(LINK)) {
    let url = m[0];
    while (/[.,;:!?)\]}]$/.test(url)) url = url.slice(0, -1);
    const start = m.index ?? 0;
    out.push(document.createTextNode(text.slice(last, start)));
    const a = document.createElement("a");
    a.href = url;
    a.textContent = url;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    out.push(a);
    last = start + url.length;
  }
  out.push(document.createTextNode(text.slice(last)));
  return out;
}

/**
 * sizeText shows a size in bytes as people read it.
 * @param {number} n
 */
export function sizeText(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/**
 * newClientID is a message's own ID, kept across retries so that the
 * server stores it once.
 */
export function newClientID() {
  return "m-" + crypto.randomUUID();
}

/** clip is the paperclip icon of a file, drawn as SVG (no emoji font needed). */
function clip() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", CLIP_PATH);
  svg.append(path);
  return svg;
}

/** The paperclip's outline, the same as the page template's. */
const CLIP_PATH = "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5";

class Conversation {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.id = Number(root.dataset.conversation);
    this.me = Number(root.dataset.me);
    this.list = /** @type {HTMLOListElement} */ (root.querySelector(".bubbles"));
    this.form = /** @type {HTMLFormElement} */ (root.querySelector("form.compose"));
    this.lastSeq = 0;
    for (const li of this.list.querySelectorAll("[data-seq]")) {
      this.lastSeq = Math.max(this.lastSeq, Number(/** @type {HTMLElement} */ (li).dataset.seq));
    }
    this.fetching = Promise.resolve();
    this.scrollDown();
  }

  start() {
    document.addEventListener("rapport:message", (e) => {
      const d = /** @type {CustomEvent} */ (e).detail;
      if (Number(d.conversation_id) === this.id) this.catchUp();
    });
    document.addEventListener("rapport:events-open", () => this.catchUp());
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.markRead(); });
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    const file = /** @type {HTMLInputElement} */ (this.form.querySelector("input[type=file]"));
    const chosen = /** @type {HTMLElement} */ (this.form.querySelector("[data-chosen]"));
    file.addEventListener("change", () => { chosen.textContent = file.files?.[0]?.name ?? ""; });
    const body = /** @type {HTMLTextAreaElement} */ (this.form.querySelector("textarea"));
    body.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.form.requestSubmit(); }
    });
    this.root.dataset.live = "true";
  }

  /** catchUp fetches, one request at a time, every message after the last shown. */
  catchUp() {
    this.fetching = this.fetching.then(() => this.fetchAfter()).catch(() => {});
    return this.fetching;
  }

  async fetchAfter() {
    for (;;) {
      const res = await fetch(`/api/v1/conversations/${this.id}/messages?after=${this.lastSeq}&limit=200`, { credentials: "same-origin" });
      if (!res.ok) return;
      /** @type {{items: Message[]}} */
      const page = await res.json();
      for (const m of page.items) this.show(m);
      if (page.items.length < 200) break;
    }
    this.markRead();
  }

  /**
   * show adds a stored message, once, in order; a pending bubble of the
   * same client ID becomes it.
   * @param {Message} m
   */
  show(m) {
    if (this.list.querySelector(`#m-${m.seq}`)) return;
    const pending = m.client_id ? this.list.querySelector(`[data-client-id="${CSS.escape(m.client_id)}"]`) : null;
    const li = this.bubble(m);
    if (pending) pending.replaceWith(li);
    else this.list.append(li);
    this.list.querySelector("[data-empty]")?.remove();
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    this.scrollDown();
  }

  /**
   * bubble builds a message's element from text nodes (never parsed HTML).
   * @param {Message} m
   */
  bubble(m) {
    const li = document.createElement("li");
    li.className = "bubble" + (m.sender_id === this.me ? " mine" : "");
    li.id = `m-${m.seq}`;
    li.dataset.seq = String(m.seq);
    if (m.body) {
      const p = document.createElement("p");
      p.className = "bubble-body pre";
      p.append(...textWithLinks(m.body));
      li.append(p);
    }
    if (m.file) {
      const a = document.createElement("a");
      a.className = "bubble-file";
      a.href = `/files/${m.file.id}`;
      a.download = m.file.name;
      const size = document.createElement("span");
      size.className = "muted small";
      size.textContent = sizeText(m.file.size);
      a.append(clip(), `${m.file.name} `, size);
      li.append(a);
    }
    const when = document.createElement("time");
    when.className = "bubble-when muted small";
    when.dateTime = m.created_at;
    when.dataset.format = "moment";
    when.textContent = m.created_at;
    li.append(when);
    document.dispatchEvent(new CustomEvent("rapport:localize", { detail: li }));
    return li;
  }

  /** send posts the form's message, retrying what the network lost. */
  async send() {
    const form = this.form;
    const data = new FormData(form);
    const body = String(data.get("body") || "");
    const file = /** @type {File|null} */ (data.get("file"));
    if (!body.trim() && !(file && file.size)) return;
    const clientID = String(data.get("client_id"));
    const pending = this.pendingBubble(clientID, body, file);
    this.resetForm();
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(`/api/v1/conversations/${this.id}/messages`, { method: "POST", body: data, credentials: "same-origin" });
      } catch {
        if (attempt >= RETRIES) return this.failed(pending, "Not sent: the network is down. Your text is back in the box.", body);
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        continue;
      }
      if (res.ok) {
        this.show(/** @type {Message} */ (await res.json()));
        this.markRead();
        return;
      }
      const problem = await res.json().catch(() => null);
      const fields = problem?.error?.fields || {};
      const why = fields.file ? `The file ${fields.file}.` : fields.body ? `The message ${fields.body}.` : problem?.error?.message || "Not sent.";
      return this.failed(pending, why, body);
    }
  }

  /**
   * @param {string} clientID
   * @param {string} body
   * @param {File|null} file
   */
  pendingBubble(clientID, body, file) {
    const li = document.createElement("li");
    li.className = "bubble mine pending";
    li.dataset.clientId = clientID;
    if (body) {
      const p = document.createElement("p");
      p.className = "bubble-body pre";
      p.textContent = body;
      li.append(p);
    }
    if (file && file.size) {
      const span = document.createElement("span");
      span.className = "bubble-file";
      span.append(clip(), file.name);
      li.append(span);
    }
    const state = document.createElement("span");
    state.className = "bubble-when muted small";
    state.textContent = "Sending…";
    li.append(state);
    this.list.append(li);
    this.list.querySelector("[data-empty]")?.remove();
    this.scrollDown();
    return li;
  }

  /**
   * failed marks a message that was not stored and puts its text back.
   * @param {HTMLElement} pending
   * @param {string} why
   * @param {string} body
   */
  failed(pending, why, body) {
    pending.classList.replace("pending", "failed");
    const state = /** @type {HTMLElement} */ (pending.querySelector(".bubble-when"));
    state.textContent = why;
    state.setAttribute("role", "alert");
    const box = /** @type {HTMLTextAreaElement} */ (this.form.querySelector("textarea"));
    if (!box.value) box.value = body;
  }

  /** resetForm empties the form and gives the next message its own ID. */
  resetForm() {
    this.form.reset();
    const id = /** @type {HTMLInputElement} */ (this.form.querySelector("input[name=client_id]"));
    id.value = newClientID();
    const chosen = this.form.querySelector("[data-chosen]");
    if (chosen) chosen.textContent = "";
  }

  /** markRead tells the server what a visible page has shown. */
  markRead() {
    if (document.hidden || !this.lastSeq) return;
    fetch(`/api/v1/conversations/${this.id}/read`, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ seq: this.lastSeq }),
    }).catch(() => {});
  }

  scrollDown() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

const root = typeof document === "undefined" ? null : document.getElementById("conversation");
if (root) new Conversation(root).start();

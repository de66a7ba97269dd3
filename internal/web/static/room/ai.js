// @ts-check
// The AI co-coach in the call (docs/protocol.md, "The AI in the call"):
// the coach brings it in, picks how forward it is, hands it the floor and
// takes it back; the client agrees (or not) to be heard by it; either
// sends it out. While it is in, a banner tells everyone whom it hears, and
// its captions of what each person says (and what it says) show here.

import { el, errorText, finder } from "./dom.js";

/** @type {Object<string, string>} */
const MODES = {
  listen: "Listen only",
  on_request: "Speak when asked",
  co_facilitate: "Co-facilitate",
};
const CAPTIONS_SHOWN = 6;

export class AIPanel {
  /**
   * @param {HTMLElement} root the AI card
   * @param {HTMLElement} banner the line above the stage
   * @param {object} o
   * @param {import("./signal.js").Signal} o.signal
   * @param {string} o.role "coach" or "client"
   * @param {{coach: string, client: string}} o.names
   */
  constructor(root, banner, { signal, role, names }) {
    this.root = root;
    this.banner = banner;
    this.signal = signal;
    this.role = role;
    this.names = names;
    /** @type {import("./protocol.js").Floor} */
    this.floor = { present: false, available: false };
    const $ = finder(root);
    this.captions = $("[data-captions]");
    this.state = $("[data-ai-state]");
    this.error = $("[data-ai-error]");
    this.coachBox = $("[data-ai-coach]");
    this.clientBox = $("[data-ai-client]");
    this.mode = /** @type {HTMLSelectElement} */ ($("[data-ai-mode]"));
    for (const [value, text] of Object.entries(MODES)) this.mode.append(new Option(text, value));
    root.addEventListener("click", (e) => {
      const act = /** @type {HTMLElement|null} */ (/** @type {Element} */ (e.target).closest("[data-ai]"))?.dataset.ai;
      if (act) this.act(act);
    });
    this.mode.addEventListener("change", () => this.send("ai.mode", { mode: this.mode.value }));
    this.transcript = /** @type {HTMLInputElement} */ ($("[data-ai-transcript]"));
    this.transcript.addEventListener("change", () => this.send("ai.transcript", { keep: this.transcript.checked }));
  }

  /** @param {import("./protocol.js").Joined} j */
  joined(j) {
    this.show(j.floor || {});
  }

  /** @param {import("./protocol.js").Frame} f */
  frame(f) {
    if (f.type === "ai.floor") this.show(f.data || {});
    else if (f.type === "caption" && f.data) this.caption(f.data);
  }

  /** @param {string} act */
  act(act) {
    switch (act) {
      case "invite":
        return this.send("ai.invite");
      case "dismiss":
        return this.send("ai.dismiss");
      case "agree":
        return this.send("ai.consent", { agree: true });
      case "refuse":
        return this.send("ai.consent", { agree: false });
      case "floor":
        return this.send("ai.floor", { to: this.floor.speaking || this.floor.handed ? "people" : "ai" });
    }
  }

  /**
   * @param {string} type
   * @param {object} [data]
   */
  async send(type, data) {
    this.error.hidden = true;
    try {
      await this.signal.request(type, data || {});
    } catch (e) {
      this.error.textContent = errorText(e, "That did not work; try again.");
      this.error.hidden = false;
    }
  }

  /**
   * show draws the floor: the card, its buttons, the banner.
   * @param {import("./protocol.js").Floor} fl
   */
  show(fl) {
    const $ = finder(this.root);
    this.floor = fl;
    const coach = this.role === "coach";
    this.root.hidden = !fl.available && !fl.present;
    this.root.dataset.present = String(!!fl.present);
    this.root.dataset.speaking = String(!!fl.speaking);
    this.root.dataset.consent = String(!!fl.consent);
    this.coachBox.hidden = !coach;
    this.clientBox.hidden = coach || !fl.present;
    const invite = $('[data-ai="invite"]');
    invite.hidden = !coach || !!fl.present;
    for (const b of this.root.querySelectorAll('[data-ai="dismiss"]')) /** @type {HTMLElement} */ (b).hidden = !fl.present;
    this.mode.hidden = !coach || !fl.present;
    $("[data-ai-transcript-field]").hidden = !coach || !fl.present;
    this.transcript.checked = !!fl.transcript;
    if (fl.mode) this.mode.value = fl.mode;
    const handBtn = $('[data-ai="floor"]');
    handBtn.hidden = !coach || !fl.present || fl.mode === "listen";
    handBtn.textContent = fl.speaking || fl.handed ? "Take the floor back" : "Hand the AI the floor";
    handBtn.setAttribute("aria-pressed", String(!!(fl.speaking || fl.handed)));
    const ask = $("[data-ai-ask]");
    ask.hidden = !fl.present || !!fl.consent;
    $('[data-ai="agree"]').hidden = !fl.present || !!fl.consent;
    $('[data-ai="refuse"]').textContent = fl.consent ? "Stop it hearing me" : "Not now";
    $('[data-ai="refuse"]').hidden = !fl.present || (!fl.consent && this.role !== "client");
    this.state.textContent = this.describe(fl);
    const hears = fl.consent ? `${this.names.coach} and ${this.names.client}` : this.names.coach;
    this.banner.hidden = !fl.present;
    this.banner.textContent = fl.present
      ? `The AI co-coach is in this call and hears ${hears}.${fl.consent ? "" : ` It does not hear ${this.names.client}, who has not agreed.`} ${fl.transcript ? "A transcript is kept with the session" : "No transcript is kept"}; audio is never stored.`
      : "";
    this.banner.dataset.speaking = String(!!fl.speaking);
  }

  /**
   * @param {import("./protocol.js").Floor} fl
   * @returns {string}
   */
  describe(fl) {
    if (!fl.present) return fl.available ? "The AI co-coach is not in this call." : "";
    if (fl.speaking) return "The AI co-coach is speaking. Start talking to interrupt it.";
    const mode = MODES[fl.mode || ""] || "";
    if (!fl.consent) {
      return this.role === "client"
        ? `${this.names.coach} would like the AI co-coach to hear you too. It offers ideas and writes a summary of the session; your audio is never stored.`
        : `The AI co-coach is in (${mode.toLowerCase()}). It waits for ${this.names.client} to agree before it hears them.`;
    }
    return `The AI co-coach is in: ${mode.toLowerCase()}.`;
  }

  /**
   * caption shows a line someone said, as the AI heard it.
   * @param {{user_id: number, name: string, text: string}} c
   */
  caption(c) {
    const li = el("li", c.user_id === 0 ? "caption caption-ai" : "caption");
    li.append(el("span", "caption-who", `${c.name}: `), c.text);
    this.captions.append(li);
    while (this.captions.children.length > CAPTIONS_SHOWN) this.captions.children[0].remove();
    this.captions.hidden = false;
  }
}

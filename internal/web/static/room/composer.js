// @ts-check
// Where a chat message is written: Enter sends (Shift+Enter is a new
// line), a counter shows as the text nears MAX_BODY, what is too long or
// refused is said under it, and "Ask the AI" sends what is typed to the
// AI co-coach ("@ai" in front).

/** The longest message the server stores, in characters. */
export const MAX_BODY = 4000;

/**
 * length counts a text's characters as the server does (code points).
 * @param {string} text
 * @returns {number}
 */
export function length(text) {
  return [...text].length;
}

/**
 * askingAI puts "@ai" in front of a text that does not mention the AI yet.
 * @param {string} text trimmed
 * @returns {string}
 */
export function askingAI(text) {
  if (/(^|[^\p{L}\p{N}_@])@ai\b/iu.test(text)) return text;
  return text ? `@ai ${text}` : "@ai ";
}

/**
 * newClientId is a random ID for a message (crypto.randomUUID needs a
 * secure context; this does not).
 * @returns {string}
 */
export function newClientId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "c-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// Composer is the chat's form: the text, its counter, its errors.
export class Composer {
  /**
   * @param {HTMLFormElement} form
   * @param {object} o
   * @param {HTMLElement} o.error where a refusal is said
   * @param {HTMLElement} o.counter the characters typed, near the limit
   * @param {HTMLElement|null} o.askAI the Ask the AI button
   * @param {(body: string) => void} o.onSend a message to send
   * @param {(text: string) => void} o.onInput what is typed changed
   * @param {() => void} o.onBlur
   */
  constructor(form, { error, counter, askAI, onSend, onInput, onBlur }) {
    this.form = form;
    this.input = /** @type {HTMLTextAreaElement} */ (form.querySelector("textarea"));
    this.sendBtn = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    this.error = error;
    this.counter = counter;
    this.onSend = onSend;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    this.input.addEventListener("input", () => {
      this.updateCount();
      if (this.error.textContent && !this.error.hidden) this.showError("");
      onInput(this.input.value);
    });
    this.input.addEventListener("blur", onBlur);
    askAI?.addEventListener("click", () => this.askAI());
  }

  // askAI sends what is typed to the AI co-coach, or readies a question.
  askAI() {
    const text = this.input.value.trim();
    const asking = askingAI(text);
    if (asking !== text) this.input.value = asking; // one that asks already goes as typed
    if (text) this.form.requestSubmit();
    else this.input.focus();
  }

  // submit sends what is typed, unless it is empty or too long.
  submit() {
    const body = this.input.value;
    if (body.trim() === "") {
      this.input.focus();
      return;
    }
    if (length(body) > MAX_BODY) {
      this.showError(`A message can be at most ${MAX_BODY.toLocaleString()} characters.`);
      return;
    }
    this.showError("");
    this.input.value = "";
    this.updateCount();
    this.onSend(body);
    this.input.focus();
  }

  /**
   * restore puts a message not sent back where it was written, unless
   * something else is being written there.
   * @param {string} body
   */
  restore(body) {
    if (this.input.value === "") this.input.value = body;
    this.input.focus();
  }

  /** @param {string} text */
  showError(text) {
    this.error.textContent = text;
    this.error.hidden = text === "";
  }

  updateCount() {
    const n = length(this.input.value);
    this.counter.hidden = n < MAX_BODY - 500;
    this.counter.textContent = `${n.toLocaleString()} / ${MAX_BODY.toLocaleString()}`;
    this.counter.classList.toggle("over", n > MAX_BODY);
  }

  /**
   * enable turns sending on or off.
   * @param {boolean} on
   */
  enable(on) {
    this.input.disabled = !on;
    this.sendBtn.disabled = !on;
  }
}

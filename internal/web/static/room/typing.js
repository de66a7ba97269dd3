// @ts-check
// Who is typing in the chat: the others ("Cleo is typing…"), as the
// server tells it, each forgotten after TYPING_STALE in case their
// "stopped" was lost; and us, told to the others once per change, and
// stopped after TYPING_IDLE without a keystroke.

const TYPING_IDLE = 4000; // ms without a keystroke before "stopped typing"
const TYPING_STALE = 45000; // ms after which another's "typing" is dropped (a lost "stopped")

/**
 * typingText says who is typing.
 * @param {string[]} names
 * @returns {string}
 */
export function typingText(names) {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.join(" and ")} are typing…`;
}

// Typing shows who else is typing, and tells them when we do.
export class Typing {
  /**
   * @param {HTMLElement} line where who is typing shows
   * @param {object} o
   * @param {(id: number) => string} o.nameOf a participant's name, "" when unknown
   * @param {(active: boolean) => void} o.tell tells the others whether we type
   */
  constructor(line, { nameOf, tell }) {
    this.line = line;
    this.nameOf = nameOf;
    this.tell = tell;
    /** @type {Map<number, ReturnType<typeof setTimeout>>} user id -> when their typing goes stale */
    this.typers = new Map();
    this.active = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.idle = undefined;
  }

  /**
   * typed follows our keystrokes: typing while there is text, stopped once
   * it is empty or after TYPING_IDLE.
   * @param {string} text what is typed now
   */
  typed(text) {
    if (text.trim() === "") {
      this.set(false);
      return;
    }
    this.set(true);
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.set(false), TYPING_IDLE);
  }

  /**
   * set tells the others, once per change.
   * @param {boolean} active
   */
  set(active) {
    if (!active) clearTimeout(this.idle);
    if (this.active === active) return;
    this.active = active;
    this.tell(active);
  }

  /**
   * show follows another person's typing.
   * @param {number} userId
   * @param {boolean} active
   */
  show(userId, active) {
    clearTimeout(this.typers.get(userId));
    if (active) this.typers.set(userId, setTimeout(() => this.show(userId, false), TYPING_STALE));
    else this.typers.delete(userId);
    this.line.textContent = typingText([...this.typers.keys()].map((id) => this.nameOf(id) || "Someone"));
  }

  // reset forgets the typing of an old connection, ours and the others'.
  reset() {
    this.active = false;
    for (const id of [...this.typers.keys()]) this.show(id, false);
  }
}

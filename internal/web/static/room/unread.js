// @ts-check
// What the person has seen of the chat: whether the log is in front of
// them (the tab shown and focused, the panel open, the log in view and
// scrolled to its end), and how many new messages they have not seen: the
// count on the panel, in the tab's title, and a button that jumps to them.
// Scrolled to its end, the log stays there as it grows or is resized (a
// phone turned, the panel shown again).

const AT_END = 48; // px from the bottom that still count as the end

// Unread follows what the person has seen of the chat.
export class Unread {
  /**
   * @param {object} o
   * @param {HTMLElement} o.root the chat section (data-unread)
   * @param {HTMLElement} o.log the scrolling log
   * @param {HTMLElement} o.body the panel's body, hidden while the panel is closed
   * @param {HTMLElement} o.badge the count
   * @param {HTMLElement|null} o.jump the button to the end of the log
   */
  constructor({ root, log, body, badge, jump }) {
    this.root = root;
    this.log = log;
    this.body = body;
    this.badge = badge;
    this.jump = jump;
    this.count = 0;
    this.stuck = true; // scrolled to the end, and kept there
    this.logInView = true;
    this.baseTitle = document.title;
    this.wire();
  }

  wire() {
    this.jump?.addEventListener("click", () => {
      this.scrollToEnd();
      this.maybeSeen();
    });
    this.log.addEventListener("scroll", () => {
      this.stuck = this.atEnd();
      if (this.stuck) this.maybeSeen();
      if (this.jump) this.jump.hidden = this.count === 0 || this.stuck;
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

  // seen reports whether new messages are in front of the person now.
  seen() {
    return !document.hidden && document.hasFocus() && !this.body.hidden && this.logInView && this.atEnd();
  }

  // maybeSeen clears the count once the person sees the log.
  maybeSeen() {
    if (this.count > 0 && this.seen()) {
      this.count = 0;
      this.update();
    }
  }

  // added counts a message the person has not seen.
  added() {
    this.count++;
  }

  // update shows the count.
  update() {
    const n = this.count;
    this.root.dataset.unread = String(n);
    this.badge.hidden = n === 0;
    this.badge.textContent = n === 0 ? "" : `${n} new`;
    if (this.jump) this.jump.hidden = n === 0 || this.atEnd();
    document.title = (n > 0 ? `(${n}) ` : "") + this.baseTitle;
  }

  // follows says whether the log should stay at its end as it grows.
  follows() {
    return this.stuck || this.atEnd();
  }

  atEnd() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < AT_END;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

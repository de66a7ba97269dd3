// @ts-check
// End session: the coach's button in the room, confirmed in a dialog
// (Cancel keeps the call; End session completes the appointment and closes
// the room for both). The server answers "room.end" with ok, tells everyone
// with "room.ended" and closes the connections with room_ended.

import { errorText } from "./dom.js";

export class EndSession {
  /**
   * @param {HTMLButtonElement} button
   * @param {HTMLDialogElement} dialog
   * @param {{signal: import("./signal.js").Signal}} o
   */
  constructor(button, dialog, { signal }) {
    this.button = button;
    this.dialog = dialog;
    this.signal = signal;
    this.confirm = /** @type {HTMLButtonElement} */ (dialog.querySelector("[data-end-confirm]"));
    this.error = /** @type {HTMLElement} */ (dialog.querySelector("[data-end-error]"));
    this.cancel = /** @type {HTMLButtonElement} */ (dialog.querySelector("[data-end-cancel]"));
    button.addEventListener("click", () => this.ask());
    this.cancel.addEventListener("click", () => dialog.close());
    this.confirm.addEventListener("click", () => this.end());
  }

  // ask opens the confirmation, Cancel first in focus.
  ask() {
    this.error.hidden = true;
    this.confirm.disabled = false;
    this.dialog.showModal();
    this.cancel.focus();
  }

  async end() {
    this.confirm.disabled = true;
    this.error.hidden = true;
    try {
      await this.signal.request("room.end");
      this.dialog.close();
    } catch (e) {
      this.error.textContent = errorText(e, "The session could not be ended; try again.");
      this.error.hidden = false;
      this.confirm.disabled = false;
    }
  }

  /**
   * show hides the button when the page is out of the room.
   * @param {boolean} inRoom
   */
  show(inRoom) {
    this.button.hidden = !inRoom;
    if (!inRoom && this.dialog.open) this.dialog.close();
  }
}

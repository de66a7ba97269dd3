// End session: the coach's button in the room, confirmed in a dialog
// (Cancel keeps the call; End session completes the appointment and closes
// the room for both). The server answers "room.end" with ok, tells everyone
// with "room.ended" and closes the connections with room_ended.

export class EndSession {
  constructor(button, dialog, { signal }) {
    this.button = button;
    this.dialog = dialog;
    this.signal = signal;
    this.confirm = dialog.querySelector("[data-end-confirm]");
    this.error = dialog.querySelector("[data-end-error]");
    button.addEventListener("click", () => this.ask());
    dialog.querySelector("[data-end-cancel]").addEventListener("click", () => dialog.close());
    this.confirm.addEventListener("click", () => this.end());
  }

  // ask opens the confirmation, Cancel first in focus.
  ask() {
    this.error.hidden = true;
    this.confirm.disabled = false;
    this.dialog.showModal();
    this.dialog.querySelector("[data-end-cancel]").focus();
  }

  async end() {
    this.confirm.disabled = true;
    this.error.hidden = true;
    try {
      await this.signal.request("room.end");
      this.dialog.close();
    } catch (e) {
      this.error.textContent = e.message || "The session could not be ended; try again.";
      this.error.hidden = false;
      this.confirm.disabled = false;
    }
  }

  // show hides the button when the page is out of the room.
  show(inRoom) {
    this.button.hidden = !inRoom;
    if (!inRoom && this.dialog.open) this.dialog.close();
  }
}

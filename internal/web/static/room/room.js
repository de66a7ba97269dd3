// @ts-check
// The room page: connects to the room, shows who is here (and whom we are
// waiting for), the call timer, the chat and the state of the connection.
// This module holds the page's state (who is present, why the other person
// is away, how the page left) and routes the room's frames; each part of
// the page draws itself: the stage (stage.js), the people (people.js), the
// connection (connection.js), the call bar (callbar.js), the chat, the
// timer, the AI panel. Video and audio come from media.js (a Call). Import
// `room` from this module to reach the connection, the call and the people.
//
// For tests the page exposes its state read-only: body[data-transport]
// ("websocket" or "longpoll" once connected), body[data-room-state] and the
// section's data-conn (connecting, open, reconnecting, replaced, left,
// ended, signed_out, closed), the stage's data-call (waiting, together), the
// timer's data-started-at, the stage's data-media (the call's state), each
// tile's data-frames (video frames decoded), data-audio (audio energy
// received), data-quality and data-speaking (the server's active speaker).
// ?transport=longpoll skips the WebSocket; ?relay=1 sends media through
// TURN relays only.

import { Signal } from "./signal.js";
import { isFinal } from "./reconnect.js";
import { Chat } from "./chat.js";
import { CallTimer } from "./timer.js";
import { Call } from "./media.js";
import { SetupCheck } from "./check.js";
import { AIPanel } from "./ai.js";
import { EndSession } from "./end.js";
import { Stage, stageMessage } from "./stage.js";
import { PeopleList, LEFT_TEXT } from "./people.js";
import { ConnectionIndicator } from "./connection.js";
import { CallBar } from "./callbar.js";
import { need, sentence } from "./dom.js";
import { mark } from "./marks.js";

/** @typedef {import("./protocol.js").Participant} Participant */
/** @typedef {import("./protocol.js").Presence} Presence */

/**
 * reloadWhenOpen reloads a closed room's page when it opens, if that is soon.
 * @param {HTMLElement} root
 */
function reloadWhenOpen(root) {
  const at = Date.parse(root.dataset.opensAt || "");
  const wait = at - Date.now();
  if (wait > 0 && wait < 6 * 3600 * 1000) setTimeout(() => location.reload(), wait + 1000);
}

// Room is the page in a room it may join.
class Room {
  /** @param {HTMLElement} root the room section */
  constructor(root) {
    this.root = root;
    this.me = Number(root.dataset.me);
    this.other = { id: Number(root.dataset.otherId), name: root.dataset.otherName || "" };
    this.myName = root.dataset.meName || "";
    const zone = document.body.dataset.tz || undefined;
    const q = new URLSearchParams(location.search);

    /** @type {Presence} */
    this.media = { mic: false, cam: false, screen: false, path: "none" };
    /** @type {Map<number, Participant>} user id -> participant, for those present */
    this.people = new Map();
    /** @type {import("./people.js").Away} the other person, while away */
    this.away = { reason: "not_yet", online: false };
    this.joinedOnce = false;
    this.refusal = ""; // what the server said when it did not let us in
    /** @type {{user_id: number, name?: string}|null} the room.ended frame: the coach ended the session */
    this.endedBy = null;
    this.speaker = 0; // who speaks, as the server hears it

    this.signal = new Signal({
      roomId: root.dataset.room || "",
      forceLongPoll: q.get("transport") === "longpoll",
      joinData: () => ({
        ...(this.chat.sessionId ? { session_id: this.chat.sessionId, last_seq: this.chat.lastSeq } : {}),
        ...this.media,
      }),
    });
    this.chat = new Chat(need(root, "[data-chat]"), { signal: this.signal, me: this.me, nameOf: (/** @type {number} */ id) => this.nameOf(id), zone });
    this.timer = new CallTimer(need(root, "[data-timer]"), { now: () => this.signal.serverNow(), zone });
    this.timer.waiting(`The timer starts when ${this.other.name} joins.`);
    this.call = new Call({ signal: this.signal, turnOnly: q.get("relay") === "1", media: q.get("media") || "" });
    this.check = new SetupCheck(need(root, "[data-setup-check]"), this.call);
    this.bar = new CallBar(need(root, "[data-call-bar]"), this.call, {
      onLayout: () => {
        this.stage.layout = this.stage.layout === "speaker" ? "grid" : "speaker";
        this.render();
      },
    });
    this.stage = new Stage(root, { call: this.call, me: this.me, other: this.other.id, sinkId: () => this.bar.sinkId });
    this.list = new PeopleList(need(root, "[data-participants]"), { me: this.me, myName: this.myName, other: this.other });
    this.connection = new ConnectionIndicator(root, { onRetry: () => this.signal.retryNow() });
    this.aiPanel = new AIPanel(need(root, "[data-ai-card]"), need(root, "[data-ai-banner]"), {
      signal: this.signal,
      role: root.dataset.role || "",
      names: root.dataset.role === "coach" ? { coach: this.myName, client: this.other.name } : { coach: this.other.name, client: this.myName },
    });
    const endBtn = root.querySelector("[data-end-session]");
    this.ender = endBtn ? new EndSession(/** @type {HTMLButtonElement} */ (endBtn), need(root, "[data-end-dialog]"), { signal: this.signal }) : null;
    this.announcer = need(root, "[data-announce]");
    this.leaveBtn = need(root, "[data-leave]");
    this.wire();
  }

  // wire follows the call, the connection and the buttons of the page.
  wire() {
    const { call, signal, root } = this;
    call.addEventListener("change", () => {
      const m = { mic: call.local.micLive, cam: call.local.camLive, screen: call.local.sharing, path: call.state === "connected" ? call.path : "none" };
      if (Object.entries(m).some(([k, v]) => v !== this.media[/** @type {keyof Presence} */ (k)])) this.setMedia(m);
      this.render();
    });
    call.addEventListener("stats", (e) => {
      if (this.stage.showStats(/** @type {CustomEvent} */ (e).detail)) this.render();
      this.check.refresh();
    });
    signal.addEventListener("state", (e) => this.showConnection(/** @type {CustomEvent} */ (e).detail));
    signal.addEventListener("joined", (e) => this.joined(/** @type {CustomEvent} */ (e).detail));
    signal.addEventListener("frame", (e) => this.frame(/** @type {CustomEvent} */ (e).detail));
    this.leaveBtn.addEventListener("click", () => {
      /** @type {HTMLButtonElement} */ (this.leaveBtn).disabled = true;
      signal.leave();
    });
    need(root, "[data-rejoin]").addEventListener("click", () => signal.rejoin());
    // Connection details: the technical words, for whoever wants them.
    const details = root.querySelector("[data-details]");
    details?.addEventListener("toggle", () => {
      root.dataset.tech = /** @type {HTMLDetailsElement} */ (details).open ? "open" : "";
    });
  }

  /**
   * nameOf is a participant's name, as well as the page knows it.
   * @param {number} id
   * @returns {string}
   */
  nameOf(id) {
    if (id === this.me) return this.myName;
    return this.people.get(id)?.name || (id === this.other.id ? this.other.name : "");
  }

  start() {
    this.render();
    this.signal.start();
  }

  /** @param {import("./protocol.js").Joined} j */
  joined(j) {
    this.joinedOnce = true;
    this.call.joined(j);
    this.people.clear();
    for (const p of j.participants || []) this.people.set(p.user_id, p);
    if (j.you) this.people.set(j.you.user_id, j.you);
    if (j.waiting_for) this.away = { ...this.away, online: !!j.waiting_for.online };
    this.chat.reconnected();
    this.chat.joined(j);
    this.aiPanel.joined(j);
    this.timer.set(j.timer);
    this.render();
  }

  /** @param {import("./protocol.js").Frame} f */
  frame(f) {
    const d = f.data || {};
    switch (f.type) {
      case "participant.joined":
        return this.arrived(d);
      case "participant.left":
        return this.departed(d);
      case "presence": {
        const p = this.people.get(d.user_id);
        if (p) Object.assign(p, { mic: d.mic, cam: d.cam, screen: d.screen, path: d.path });
        return this.render();
      }
      case "timer":
        return this.timer.set(d);
      case "timer.warning":
        return this.timer.warning(d);
      case "chat.message":
      case "typing":
      case "ai.stream":
      case "ai.status":
        return this.chat.frame(f);
      case "media.offer":
      case "media.candidate":
        return this.call.frame(f);
      case "p2p.signal":
        return this.call.p2pSignal(d.from, d.data || {});
      case "ai.floor":
      case "caption":
        return this.aiPanel.frame(f);
      case "room.ended":
        this.endedBy = d;
        return this.announce(this.endedText());
      case "speaker":
        this.speaker = d.user_id || 0;
        this.stage.speaking(this.speaker);
        return this.render();
    }
  }

  /** @param {Participant} d */
  arrived(d) {
    this.call.peerJoined(d);
    if (!this.people.has(d.user_id)) this.announce(`${d.name} joined the room.`);
    this.people.set(d.user_id, d);
    if (d.user_id === this.other.id) this.away = { reason: "", online: true };
    this.render();
  }

  /** @param {{user_id: number, reason?: string}} d */
  departed(d) {
    this.call.peerLeft(d.user_id);
    const p = this.people.get(d.user_id);
    if (p) this.announce(`${p.name} ${LEFT_TEXT[d.reason || ""] || "left the room"}.`);
    this.people.delete(d.user_id);
    this.chat.participantLeft(d.user_id);
    if (d.user_id === this.other.id) this.away = { reason: d.reason || "left", online: false };
    this.render();
  }

  // endedText says who ended the session.
  endedText() {
    const by = this.endedBy;
    if (!by) return "";
    return by.user_id === this.me ? "You ended the session." : `${by.name || this.other.name} ended the session.`;
  }

  /**
   * announce tells screen readers what changed in the room.
   * @param {string} text
   */
  announce(text) {
    this.announcer.textContent = text;
  }

  /** @param {import("./signal.js").StateDetail} detail */
  showConnection({ state, transport, retryAt, message }) {
    const { root, signal } = this;
    this.refusal = state === "closed" ? sentence(message) : "";
    root.dataset.conn = state;
    root.dataset.wsFailures = String(signal.policy.wsFailures);
    document.body.dataset.roomState = state;
    if (state === "open") {
      root.dataset.transport = transport;
      document.body.dataset.transport = transport;
    } else if (state !== "connecting" && state !== "reconnecting") {
      delete root.dataset.transport;
      delete document.body.dataset.transport;
    }
    this.connection.show(state, transport, retryAt);
    const final = isFinal(state);
    this.leaveBtn.hidden = final;
    /** @type {HTMLButtonElement} */ (this.leaveBtn).disabled = false;
    this.ender?.show(!final);
    this.chat.enable(!final);
    if (final) {
      this.call.hangUp();
      this.chat.reconnected(); // nobody is typing to a page that is out of the room
      // What this page last knew of the other person: out of the room, it
      // hears no more, and must not say "not here yet" of someone who stayed.
      const wasHere = this.people.has(this.other.id) || !!this.away.wasHere;
      this.people.clear();
      this.away = { reason: "", online: false, wasHere };
    }
    this.render();
  }

  // render draws the people, their tiles and what the stage says.
  render() {
    const { root, signal } = this;
    const state = signal.state;
    const final = isFinal(state);
    const otherHere = this.people.has(this.other.id);
    const call = this.joinedOnce && !final ? (otherHere ? "together" : "waiting") : state;
    this.stage.stage.dataset.call = call;
    root.dataset.call = call;
    this.list.render(this.people, { state, final, away: this.away });
    this.stage.draw(this.people, this.speaker);
    this.stage.say(
      stageMessage({
        state,
        joinedOnce: this.joinedOnce,
        otherHere,
        otherName: this.other.name,
        away: this.away,
        ended: this.endedText(),
        refusal: this.refusal,
      }),
    );
    if (this.joinedOnce && !otherHere && !final) this.check.show();
    else this.check.hide();
  }

  /**
   * setMedia records what the devices and network path do and tells the
   * room.
   * @param {Presence} m
   */
  setMedia(m) {
    Object.assign(this.media, m);
    const { mic, cam, screen, path } = this.media;
    this.signal.notify("presence", { mic, cam, screen, path });
  }
}

/**
 * open starts the room page, when this page is one that may join.
 * @returns {Room|null}
 */
function open() {
  const root = /** @type {HTMLElement|null} */ (document.querySelector("section.room[data-room]"));
  if (!root) return null;
  if (root.dataset.live !== "true") {
    reloadWhenOpen(root);
    return null;
  }
  mark("page");
  const r = new Room(root);
  r.start();
  return r;
}

export const room = open();

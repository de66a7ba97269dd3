// The room page: connects to the room, shows who is here (and whom we are
// waiting for), the call timer, the chat and the state of the connection.
//
// Media comes later to the same page: each person present has a tile on the
// stage ([data-tiles] > .tile[data-user-id] > .tile-media, empty for now),
// and room.setMedia({mic, cam, path}) tells the others what the devices and
// network path do (it is also sent with every join). Import `room` from this
// module to reach the connection and the people.
//
// For tests the page exposes its state read-only: body[data-transport]
// ("websocket" or "longpoll" once connected), body[data-room-state] and the
// section's data-conn (connecting, open, reconnecting, replaced, left,
// ended, signed_out, closed), the stage's data-call (waiting, together), the
// timer's data-started-at. ?transport=longpoll skips the WebSocket.

import { Signal, isFinal } from "./signal.js";
import { Chat } from "./chat.js";
import { CallTimer } from "./timer.js";

// reloadWhenOpen reloads a closed room's page when it opens, if that is soon.
function reloadWhenOpen(root) {
  const at = Date.parse(root.dataset.opensAt);
  const wait = at - Date.now();
  if (wait > 0 && wait < 6 * 3600 * 1000) setTimeout(() => location.reload(), wait + 1000);
}

function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).slice(0, 2);
  return parts.map((p) => p[0]?.toUpperCase() || "").join("") || "?";
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// sentence starts a server's message with a capital and ends it with a
// full stop, as the server does on its own pages.
function sentence(s) {
  s = String(s || "").trim();
  if (!s) return s;
  s = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : s + ".";
}

const CONN_TEXT = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting",
  replaced: "Open in another tab",
  left: "You left",
  ended: "The call has ended",
  signed_out: "Signed out",
  closed: "Room closed",
};

const LEFT_TEXT = {
  left: "left the room",
  gone: "lost their connection",
  too_slow: "lost their connection",
};

function start(root) {
  const me = Number(root.dataset.me);
  const other = { id: Number(root.dataset.otherId), name: root.dataset.otherName };
  const myName = root.dataset.meName;
  const zone = document.body.dataset.tz || undefined;
  const q = new URLSearchParams(location.search);

  const $ = (sel) => root.querySelector(sel);
  const stage = $("[data-stage]");
  const tiles = $("[data-tiles]");
  const stageTitle = $("[data-stage-title]");
  const stageSub = $("[data-stage-sub]");
  const stageActions = $("[data-stage-actions]");
  const list = $("[data-participants]");
  const indicator = $("[data-conn-indicator]");
  const connText = $("[data-conn-text]");
  const retryBtn = $("[data-conn-retry]");
  const connWait = $("[data-conn-wait]");
  const announcer = $("[data-announce]");
  const leaveBtn = $("[data-leave]");
  const rejoinBtn = $("[data-rejoin]");
  // Signed out: a way back to this very room after signing in.
  const signinLink = el("a", "btn btn-primary", "Sign in again");
  signinLink.href = `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
  signinLink.hidden = true;
  stageActions.prepend(signinLink);

  const media = { mic: false, cam: false, path: "none" };
  const people = new Map(); // user id -> participant, for those present
  let otherAway = { reason: "not_yet", online: false }; // the other person, while away
  let joinedOnce = false;
  let refusal = ""; // what the server said when it did not let us in

  const signal = new Signal({
    roomId: root.dataset.room,
    forceLongPoll: q.get("transport") === "longpoll",
    joinData: () => ({
      ...(chat.sessionId ? { session_id: chat.sessionId, last_seq: chat.lastSeq } : {}),
      ...media,
    }),
  });
  const nameOf = (id) => (id === me ? myName : people.get(id)?.name || (id === other.id ? other.name : ""));
  const chat = new Chat($("[data-chat]"), { signal, me, nameOf, zone });
  const timer = new CallTimer($("[data-timer]"), { now: () => signal.serverNow(), zone });
  timer.waiting(`The timer starts when ${other.name} joins.`);

  signal.addEventListener("state", (e) => showConnection(e.detail));
  signal.addEventListener("joined", (e) => joined(e.detail));
  signal.addEventListener("frame", (e) => frame(e.detail));

  leaveBtn.addEventListener("click", () => {
    leaveBtn.disabled = true;
    signal.leave();
  });
  rejoinBtn.addEventListener("click", () => signal.rejoin());
  retryBtn.addEventListener("click", () => signal.retryNow());

  function joined(j) {
    joinedOnce = true;
    people.clear();
    for (const p of j.participants || []) people.set(p.user_id, p);
    if (j.you) people.set(j.you.user_id, j.you);
    if (j.waiting_for) otherAway = { ...otherAway, online: !!j.waiting_for.online };
    chat.reconnected();
    chat.joined(j);
    timer.set(j.timer);
    render();
  }

  function frame(f) {
    const d = f.data || {};
    switch (f.type) {
      case "participant.joined":
        if (!people.has(d.user_id)) announce(`${d.name} joined the room.`);
        people.set(d.user_id, d);
        if (d.user_id === other.id) otherAway = { reason: "", online: true };
        render();
        break;
      case "participant.left":
        if (people.has(d.user_id)) announce(`${people.get(d.user_id).name} ${LEFT_TEXT[d.reason] || "left the room"}.`);
        people.delete(d.user_id);
        chat.participantLeft(d.user_id);
        if (d.user_id === other.id) otherAway = { reason: d.reason || "left", online: false };
        render();
        break;
      case "presence": {
        const p = people.get(d.user_id);
        if (p) Object.assign(p, { mic: d.mic, cam: d.cam, path: d.path });
        render();
        break;
      }
      case "timer":
        timer.set(d);
        break;
      case "timer.warning":
        timer.warning(d);
        break;
      case "chat.message":
      case "typing":
        chat.frame(f);
        break;
    }
  }

  // announce tells screen readers what changed in the room.
  function announce(text) {
    announcer.textContent = text;
  }

  function showConnection({ state, transport, retryAt, message }) {
    refusal = state === "closed" ? sentence(message) : "";
    root.dataset.conn = state;
    root.dataset.wsFailures = String(signal.wsFailures);
    document.body.dataset.roomState = state;
    indicator.dataset.state = state;
    let text = CONN_TEXT[state] || state;
    if (state === "open") {
      text = transport === "longpoll" ? "Connected · long polling" : "Connected";
      indicator.title = transport === "longpoll" ? "Connected over HTTP long polling (WebSockets are blocked on this network)" : "Connected over a WebSocket";
      root.dataset.transport = transport;
      document.body.dataset.transport = transport;
    } else if (state !== "connecting" && state !== "reconnecting") {
      delete root.dataset.transport;
      delete document.body.dataset.transport;
    }
    if (connText.textContent !== text) connText.textContent = text; // a live region: say each change once
    const waiting = !!retryAt && retryAt - Date.now() > 300;
    retryBtn.hidden = !waiting;
    clearInterval(showConnection.countdown);
    connWait.textContent = "";
    if (waiting) {
      const tickDown = () => {
        const s = Math.ceil((retryAt - Date.now()) / 1000);
        connWait.textContent = s > 0 ? ` in ${s} s…` : "…";
      };
      tickDown();
      showConnection.countdown = setInterval(tickDown, 1000);
    }
    const final = isFinal(state);
    leaveBtn.hidden = final;
    leaveBtn.disabled = false;
    chat.enable(!final);
    if (final) {
      chat.reconnected(); // nobody is typing to a page that is out of the room
      people.clear();
      otherAway = { reason: "", online: false };
    }
    render();
  }

  // render draws the people, their tiles and what the stage says.
  function render() {
    const state = signal.state;
    const otherHere = people.has(other.id);
    const call = otherHere ? "together" : "waiting";
    stage.dataset.call = joinedOnce && !isFinal(state) ? call : state;
    root.dataset.call = stage.dataset.call;

    // the list: me, the other person (here or not), then anyone else (the AI)
    const ids = [me, other.id, ...[...people.keys()].filter((id) => id !== me && id !== other.id)];
    list.replaceChildren(...ids.map((id) => personItem(id)));

    // the tiles: everyone present; the media issue puts video in .tile-media
    const keep = new Set();
    for (const [id, p] of people) {
      keep.add(String(id));
      let tile = tiles.querySelector(`.tile[data-user-id="${id}"]`);
      if (!tile) {
        tile = el("div", "tile");
        tile.dataset.userId = String(id);
        const media = el("div", "tile-media");
        media.append(el("span", "tile-avatar", initials(p.name)));
        const label = el("div", "tile-label");
        tile.append(media, label);
        tiles.append(tile);
        if (id === me) tiles.prepend(tile);
      }
      tile.dataset.mic = String(!!p.mic);
      tile.dataset.cam = String(!!p.cam);
      const label = tile.querySelector(".tile-label");
      label.replaceChildren(el("span", "tile-name", id === me ? `${p.name} (you)` : p.name));
    }
    for (const t of [...tiles.children]) if (!keep.has(t.dataset.userId)) t.remove();

    // what the stage says
    let title = "";
    let sub = "";
    stageActions.hidden = true;
    signinLink.hidden = state !== "signed_out";
    rejoinBtn.hidden = state === "signed_out";
    switch (state) {
      case "idle":
      case "connecting":
        if (!joinedOnce) title = "Connecting to the room…";
        break;
      case "left":
        title = "You left the room.";
        sub = "The call stays open for a minute in case you come back.";
        rejoinBtn.textContent = "Rejoin";
        stageActions.hidden = false;
        break;
      case "replaced":
        title = "You opened this room in another tab or window.";
        sub = "Only one can be in the call. Use this one instead?";
        rejoinBtn.textContent = "Use this tab";
        stageActions.hidden = false;
        break;
      case "ended":
        title = "The call has ended.";
        rejoinBtn.textContent = "Start it again";
        stageActions.hidden = false;
        break;
      case "signed_out":
        title = "You have been signed out.";
        sub = "Sign in again to come back to this room. Messages still sending are kept in this tab.";
        stageActions.hidden = false;
        break;
      case "closed":
        title = "The room is not open.";
        sub = refusal || "The server did not let this page into the room.";
        rejoinBtn.textContent = "Try again";
        stageActions.hidden = false;
        break;
    }
    if (!title && joinedOnce && !otherHere) {
      title = `Waiting for ${other.name}…`;
      if (otherAway.reason && otherAway.reason !== "not_yet") {
        sub = `${other.name} ${LEFT_TEXT[otherAway.reason] || "left the room"}. The call goes on when they are back.`;
      } else if (otherAway.online) {
        sub = `${other.name} has Rapport open and was told that you are here.`;
      } else {
        sub = `You will see them here as soon as they join. Meanwhile you can leave a message in the chat.`;
      }
    }
    stageTitle.textContent = title;
    stageSub.textContent = sub;
    stageSub.hidden = sub === "";
    stage.querySelector("[data-stage-msg]").hidden = title === "";
  }

  function personItem(id) {
    const p = people.get(id);
    const li = el("li", "person");
    li.dataset.userId = String(id);
    li.dataset.present = String(!!p);
    const name = p?.name || (id === me ? myName : id === other.id ? other.name : "");
    const avatar = el("span", "avatar", initials(name));
    avatar.setAttribute("aria-hidden", "true");
    const body = el("div", "person-body");
    const line = el("div", "person-name", name);
    if (id === me) line.append(" ", el("span", "muted", "(you)"));
    const role = p?.role;
    if (role) line.append(" ", el("span", "badge", role === "ai" ? "AI" : role));
    const status = el("div", "person-status small");
    if (p) {
      status.append(el("span", "dot dot-on", ""), "Here", ...chips(p));
    } else {
      status.classList.add("muted");
      let text = "Not here yet";
      if (id === me) text = signal.state === "left" ? "Left" : isFinal(signal.state) ? "Not connected" : "Joining…";
      else if (otherAway.reason && otherAway.reason !== "not_yet") text = otherAway.reason === "left" ? "Left the room" : "Connection lost";
      else if (otherAway.online) text = "Not here yet · has Rapport open";
      status.append(el("span", "dot", ""), text);
    }
    body.append(line, status);
    li.append(avatar, body);
    return li;
  }

  // chips shows a participant's devices and network path.
  function chips(p) {
    const out = [];
    const mic = el("span", `chip ${p.mic ? "chip-on" : ""}`, p.mic ? "mic on" : "mic off");
    mic.dataset.kind = "mic";
    const cam = el("span", `chip ${p.cam ? "chip-on" : ""}`, p.cam ? "cam on" : "cam off");
    cam.dataset.kind = "cam";
    out.push(mic, cam);
    if (p.path && p.path !== "none") {
      const path = el("span", "chip", p.path);
      path.dataset.kind = "path";
      out.push(path);
    }
    return out;
  }

  // setMedia records what the devices and network path do and tells the
  // room (the media issue calls it).
  function setMedia(m) {
    Object.assign(media, m);
    signal.notify("presence", { mic: media.mic, cam: media.cam, path: media.path });
  }

  render();
  signal.start();
  return { signal, chat, timer, people, setMedia, me, other };
}

const root = document.querySelector("section.room[data-room]");
export const room = root && root.dataset.live === "true" ? start(root) : null;
if (root && root.dataset.live !== "true") reloadWhenOpen(root);

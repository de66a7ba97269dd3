// The room page: connects to the room, shows who is here (and whom we are
// waiting for), the call timer, the chat and the state of the connection.
//
// Video and audio come from media.js (a Call): each person present has a
// tile on the stage ([data-tiles] > .tile[data-user-id] > .tile-media) with
// their camera, a shared screen gets a tile of its own
// (.tile-screen[data-screen-of]), and the presence frame tells the others
// what the devices and network path do. Import `room` from this module to
// reach the connection, the call and the people.
//
// For tests the page exposes its state read-only: body[data-transport]
// ("websocket" or "longpoll" once connected), body[data-room-state] and the
// section's data-conn (connecting, open, reconnecting, replaced, left,
// ended, signed_out, closed), the stage's data-call (waiting, together), the
// timer's data-started-at, the stage's data-media (the call's state), each
// tile's data-frames (video frames decoded), data-audio (audio energy
// received), data-quality and data-speaking (the server's active speaker). ?transport=longpoll skips the
// WebSocket; ?relay=1 sends media through TURN relays only.

import { Signal, isFinal } from "./signal.js";
import { Chat } from "./chat.js";
import { CallTimer } from "./timer.js";
import { Call } from "./media.js";
import { SetupCheck, levelMeter } from "./check.js";
import { AIPanel } from "./ai.js";
import { EndSession } from "./end.js";

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

  const media = { mic: false, cam: false, screen: false, path: "none" };
  const people = new Map(); // user id -> participant, for those present
  let otherAway = { reason: "not_yet", online: false }; // the other person, while away
  let joinedOnce = false;
  let refusal = ""; // what the server said when it did not let us in
  let endedBy = null; // the room.ended frame: the coach ended the session

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
  const call = new Call({ signal, relay: q.get("relay") === "1", media: q.get("media") || "" });
  const check = new SetupCheck($("[data-setup-check]"), call);
  const bar = initCallBar($("[data-call-bar]"), call);
  const aiPanel = new AIPanel($("[data-ai-card]"), $("[data-ai-banner]"), {
    signal,
    role: root.dataset.role,
    names: root.dataset.role === "coach" ? { coach: myName, client: other.name } : { coach: other.name, client: myName },
  });
  const endBtn = $("[data-end-session]");
  const ender = endBtn ? new EndSession(endBtn, $("[data-end-dialog]"), { signal }) : null;
  let layout = "speaker";
  let speaker = 0; // who speaks, as the server hears it
  bar.onLayout = () => {
    layout = layout === "speaker" ? "grid" : "speaker";
    render();
  };
  call.addEventListener("change", () => {
    const m = { mic: call.micLive, cam: call.camLive, screen: call.sharing, path: call.state === "connected" ? call.path : "none" };
    if (Object.keys(m).some((k) => m[k] !== media[k])) setMedia(m);
    render();
  });
  call.addEventListener("stats", (e) => {
    showStats(e.detail);
    check.refresh();
  });

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
    call.joined(j);
    people.clear();
    for (const p of j.participants || []) people.set(p.user_id, p);
    if (j.you) people.set(j.you.user_id, j.you);
    if (j.waiting_for) otherAway = { ...otherAway, online: !!j.waiting_for.online };
    chat.reconnected();
    chat.joined(j);
    aiPanel.joined(j);
    timer.set(j.timer);
    render();
  }

  function frame(f) {
    const d = f.data || {};
    switch (f.type) {
      case "participant.joined":
        call.peerJoined(d);
        if (!people.has(d.user_id)) announce(`${d.name} joined the room.`);
        people.set(d.user_id, d);
        if (d.user_id === other.id) otherAway = { reason: "", online: true };
        render();
        break;
      case "participant.left":
        call.peerLeft(d.user_id);
        if (people.has(d.user_id)) announce(`${people.get(d.user_id).name} ${LEFT_TEXT[d.reason] || "left the room"}.`);
        people.delete(d.user_id);
        chat.participantLeft(d.user_id);
        if (d.user_id === other.id) otherAway = { reason: d.reason || "left", online: false };
        render();
        break;
      case "presence": {
        const p = people.get(d.user_id);
        if (p) Object.assign(p, { mic: d.mic, cam: d.cam, screen: d.screen, path: d.path });
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
      case "ai.stream":
      case "ai.status":
        chat.frame(f);
        break;
      case "media.offer":
      case "media.candidate":
        call.frame(f);
        break;
      case "p2p.signal":
        call.p2pSignal(d.from, d.data || {});
        break;
      case "ai.floor":
      case "caption":
        aiPanel.frame(f);
        break;
      case "room.ended":
        endedBy = d;
        announce(endedText());
        break;
      case "speaker":
        speaker = d.user_id || 0;
        for (const t of tiles.querySelectorAll(".tile[data-user-id]")) t.dataset.speaking = String(Number(t.dataset.userId) === speaker);
        render();
        break;
    }
  }

  // endedText says who ended the session.
  function endedText() {
    return endedBy.user_id === me ? "You ended the session." : `${endedBy.name || other.name} ended the session.`;
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
    ender?.show(!final);
    chat.enable(!final);
    if (final) {
      call.hangUp();
      chat.reconnected(); // nobody is typing to a page that is out of the room
      // What this page last knew of the other person: out of the room, it
      // hears no more, and must not say "not here yet" of someone who stayed.
      const wasHere = people.has(other.id) || otherAway.wasHere;
      people.clear();
      otherAway = { reason: "", online: false, wasHere };
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

    renderTiles();

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
        sub = "You can come back until the session's time is over.";
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
        title = endedBy ? endedText() : "The call has ended.";
        sub = endedBy ? "The appointment is completed and its room is closed." : "";
        rejoinBtn.textContent = "Start it again";
        rejoinBtn.hidden = !!endedBy;
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
    if (joinedOnce && !otherHere && !isFinal(state)) check.show();
    else check.hide();
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
    const avatar = el("span", "avatar", p?.role === "ai" ? "AI" : initials(name));
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
      else if (isFinal(signal.state) && otherAway.wasHere) text = "Was here when you left";
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

  // renderTiles draws a tile for everyone present, with their camera (or
  // their initials), and one for each shared screen. The featured tile (a
  // screen, else whoever speaks, else the other person) is the large one in
  // speaker view.
  function renderTiles() {
    const keep = new Set();
    for (const [id, p] of people) {
      const tile = tileFor(`[data-user-id="${id}"]`, () => {
        const t = el("div", "tile");
        t.dataset.userId = String(id);
        const box = el("div", "tile-media");
        box.append(el("span", "tile-avatar", p.role === "ai" ? "AI" : initials(p.name)));
        t.append(box, el("div", "tile-label"));
        return t;
      });
      keep.add(tile);
      tile.dataset.mic = String(!!p.mic);
      tile.dataset.cam = String(!!p.cam);
      tile.dataset.speaking = String(id === speaker);
      tile.classList.toggle("tile-self", id === me);
      const camera = id === me ? localStream(call.tracks.camera) : p.cam ? call.remote.get(id)?.camera : null;
      showVideo(tile, camera, id === me);
      if (id !== me) watchSize(tile, `${id}-camera`);
      if (id !== me) playAudio(tile, call.remote.get(id)?.mic);
      const label = tile.querySelector(".tile-label");
      const name = el("span", "tile-name", id === me ? `${p.name} (you)` : p.name);
      const parts = [name];
      if (!p.mic) parts.push(el("span", "chip tile-muted", "muted"));
      if (id !== me && tile.dataset.quality) {
        const q = el("span", `quality quality-${tile.dataset.quality}`, "");
        q.title = `Connection: ${tile.dataset.quality}`;
        parts.unshift(q);
      }
      label.replaceChildren(...parts);
      const screen = id === me ? localStream(call.tracks.screen) : p.screen ? call.remote.get(id)?.screen : null;
      if (screen) {
        const st = tileFor(`[data-screen-of="${id}"]`, () => {
          const t = el("div", "tile tile-screen");
          t.dataset.screenOf = String(id);
          t.append(el("div", "tile-media"), el("div", "tile-label"));
          t.querySelector(".tile-label").append(el("span", "tile-name", id === me ? "Your screen" : `${p.name}'s screen`));
          return t;
        });
        keep.add(st);
        showVideo(st, screen, false);
        if (id !== me) watchSize(st, `${id}-screen`);
      }
    }
    for (const t of [...tiles.children]) if (!keep.has(t)) t.remove();
    const mine = tiles.querySelector(`.tile[data-user-id="${me}"]`);
    if (mine && tiles.firstChild !== mine) tiles.prepend(mine);
    feature();
    stage.dataset.media = call.state;
  }

  function tileFor(sel, make) {
    let t = tiles.querySelector(`.tile${sel}`);
    if (!t) {
      t = make();
      tiles.append(t);
    }
    return t;
  }

  function feature() {
    const all = [...tiles.children];
    const pick =
      all.find((t) => t.dataset.screenOf) ||
      all.find((t) => t.dataset.speaking === "true" && Number(t.dataset.userId) !== me) ||
      all.find((t) => Number(t.dataset.userId) === other.id) ||
      all.find((t) => t.dataset.userId && Number(t.dataset.userId) !== me) ||
      all[0];
    let slot = 0;
    for (const t of all) {
      t.toggleAttribute("data-featured", t === pick);
      t.style.setProperty("--slot", t === pick ? "0" : String(slot++));
    }
    stage.dataset.layout = layout;
    stage.dataset.tiles = String(all.length);
  }

  // watchSize tells the server the size each remote video is shown at (the
  // SFU picks the simulcast layer by it), as tiles change with the layout.
  const sizes = new ResizeObserver((entries) => {
    for (const e of entries) {
      const stream = e.target.dataset.stream;
      if (stream) call.view(stream, e.contentRect.width * devicePixelRatio, e.contentRect.height * devicePixelRatio);
    }
  });
  function watchSize(tile, stream) {
    if (tile.dataset.stream === stream) return;
    tile.dataset.stream = stream;
    sizes.observe(tile);
  }

  const localStreams = new WeakMap();
  function localStream(track) {
    if (!track) return null;
    if (!localStreams.has(track)) localStreams.set(track, new MediaStream([track]));
    return localStreams.get(track);
  }

  function showVideo(tile, stream, mirror) {
    const box = tile.querySelector(".tile-media");
    let v = box.querySelector("video");
    if (stream) {
      if (!v) {
        v = document.createElement("video");
        v.autoplay = true;
        v.playsInline = true;
        v.muted = true; // sound comes through the tile's audio element
        box.append(v);
      }
      if (v.srcObject !== stream) v.srcObject = stream;
      v.classList.toggle("mirror", mirror);
    } else if (v) {
      v.remove();
    }
    tile.dataset.video = String(!!stream);
  }

  function playAudio(tile, stream) {
    let a = tile.querySelector("audio");
    if (!stream) {
      a?.remove();
      return;
    }
    if (!a) {
      a = document.createElement("audio");
      a.autoplay = true;
      tile.append(a);
    }
    if (a.srcObject !== stream) a.srcObject = stream;
    if (bar.sinkId && a.setSinkId && a.sinkId !== bar.sinkId) a.setSinkId(bar.sinkId).catch(() => {});
  }

  // showStats marks each person's tile with what their media does.
  function showStats(stats) {
    let changed = false;
    for (const [id, s] of stats) {
      const tile = tiles.querySelector(`.tile[data-user-id="${id}"]`);
      if (!tile) continue;
      tile.dataset.frames = String(s.frames);
      tile.dataset.audio = String(s.energy);
      if (tile.dataset.quality !== s.quality) {
        tile.dataset.quality = s.quality;
        changed = true;
      }
    }
    if (changed) render();
  }

  // setMedia records what the devices and network path do and tells the
  // room.
  function setMedia(m) {
    Object.assign(media, m);
    signal.notify("presence", { mic: media.mic, cam: media.cam, screen: media.screen, path: media.path });
  }

  render();
  signal.start();
  return { signal, chat, timer, call, people, setMedia, me, other };
}

// initCallBar wires the call's buttons and the devices panel.
function initCallBar(bar, call) {
  const btn = (name) => bar.querySelector(`[data-ctl="${name}"]`);
  const state = bar.querySelector("[data-call-state]");
  const panel = bar.querySelector("[data-devices]");
  const api = { onLayout: () => {}, sinkId: "" };
  btn("mic").addEventListener("click", () => call.toggleMic());
  btn("cam").addEventListener("click", () => call.toggleCamera());
  btn("screen").addEventListener("click", () => call.toggleScreen());
  btn("layout").addEventListener("click", () => {
    const grid = btn("layout").getAttribute("aria-pressed") !== "true";
    btn("layout").setAttribute("aria-pressed", String(grid));
    api.onLayout();
  });
  if (!navigator.mediaDevices?.getDisplayMedia) btn("screen").hidden = true;
  if (!("setSinkId" in HTMLMediaElement.prototype)) bar.querySelector("[data-speaker-field]").hidden = true;
  const set = (name, on, text, title) => {
    const b = btn(name);
    b.setAttribute("aria-pressed", String(on));
    b.querySelector("[data-ctl-text]").textContent = text;
    b.title = title;
  };
  const show = () => {
    set("mic", call.micLive, call.micLive ? "Mute" : "Unmute", call.micLive ? "Mute the microphone" : "Unmute the microphone");
    set("cam", call.camLive, call.camLive ? "Stop video" : "Start video", call.camLive ? "Turn the camera off" : "Turn the camera on");
    set("screen", call.sharing, call.sharing ? "Stop sharing" : "Share screen", call.sharing ? "Stop sharing your screen" : "Share your screen");
    btn("mic").disabled = !call.tracks.mic;
    const text = { connecting: "Connecting video and audio…", reconnecting: "Video and audio are reconnecting…", failed: "Video and audio could not connect." };
    state.textContent = call.deviceError || text[call.state] || "";
    state.dataset.kind = call.deviceError ? "error" : call.state;
  };
  call.addEventListener("change", show);
  show();

  // The devices panel lists what the browser has, and shows the
  // microphone's level while it is open.
  let meter = null;
  panel.addEventListener("toggle", async () => {
    if (!panel.open) {
      meter?.stop();
      meter = null;
      return;
    }
    const devices = await navigator.mediaDevices.enumerateDevices();
    const current = { audioinput: call.tracks.mic?.getSettings().deviceId, videoinput: call.tracks.camera?.getSettings().deviceId, audiooutput: api.sinkId };
    for (const select of panel.querySelectorAll("select[data-device]")) {
      const kind = select.dataset.device;
      const list = devices.filter((d) => d.kind === kind);
      select.replaceChildren(...list.map((d, i) => new Option(d.label || `${kind === "audioinput" ? "Microphone" : kind === "videoinput" ? "Camera" : "Speaker"} ${i + 1}`, d.deviceId, false, d.deviceId === current[kind])));
      select.disabled = list.length === 0;
    }
    if (call.tracks.mic) meter = levelMeter(call.tracks.mic, panel.querySelector("[data-mic-meter]"));
  });
  panel.addEventListener("change", (e) => {
    const kind = e.target.dataset.device;
    if (!kind) return;
    if (kind === "audiooutput") {
      api.sinkId = e.target.value;
      for (const a of document.querySelectorAll(".tile audio")) a.setSinkId?.(api.sinkId).catch(() => {});
    } else {
      call.useDevice(kind, e.target.value);
    }
  });
  return api;
}

const root = document.querySelector("section.room[data-room]");
export const room = root && root.dataset.live === "true" ? start(root) : null;
if (root && root.dataset.live !== "true") reloadWhenOpen(root);

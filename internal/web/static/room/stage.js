// @ts-check
// The stage: where the video goes. Each person present has a tile
// ([data-tiles] > .tile[data-user-id] > .tile-media) with their camera (or
// their initials), a shared screen gets a tile of its own
// (.tile-screen[data-screen-of]); the featured tile (a screen, else whoever
// speaks, else the other person) is the large one in speaker view. Over
// the tiles, what the stage says: connecting, waiting for the other person
// (with the setup check), or why the page is out of the room.

import { el, finder, initials } from "./dom.js";
import { LEFT_TEXT } from "./people.js";
import { streamName } from "./remote.js";
import { mark } from "./marks.js";

/** @typedef {import("./protocol.js").Participant} Participant */
/** @typedef {import("./media.js").Call} Call */

/**
 * What the stage says, and which of its buttons it shows.
 * @typedef {object} StageMessage
 * @property {string} title
 * @property {string} sub
 * @property {boolean} actions the Rejoin (or Sign in) row is shown
 * @property {string} rejoin the Rejoin button's text; "" hides it
 * @property {boolean} signin the Sign in again link is shown
 */

/**
 * stageMessage says what the stage says in a state of the page.
 * @param {object} o
 * @param {string} o.state the connection's state
 * @param {boolean} o.joinedOnce
 * @param {boolean} o.otherHere
 * @param {string} o.otherName
 * @param {import("./people.js").Away} o.away
 * @param {string} o.ended who ended the session, in words; "" when nobody did
 * @param {string} o.refusal the server's words when it did not let us in
 * @returns {StageMessage}
 */
export function stageMessage({ state, joinedOnce, otherHere, otherName, away, ended, refusal }) {
  /** @type {StageMessage} */
  const m = { title: "", sub: "", actions: false, rejoin: "", signin: false };
  switch (state) {
    case "idle":
    case "connecting":
      if (!joinedOnce) m.title = "Connecting to the room…";
      break;
    case "left":
      Object.assign(m, { title: "You left the room.", sub: "You can come back until the session's time is over.", actions: true, rejoin: "Rejoin" });
      break;
    case "replaced":
      Object.assign(m, { title: "You opened this room in another tab or window.", sub: "Only one can be in the call. Use this one instead?", actions: true, rejoin: "Use this tab" });
      break;
    case "ended":
      m.title = ended || "The call has ended.";
      m.sub = ended ? "The appointment is completed and its room is closed." : "";
      m.rejoin = ended ? "" : "Start it again";
      m.actions = true;
      break;
    case "signed_out":
      Object.assign(m, { title: "You have been signed out.", sub: "Sign in again to come back to this room. Messages still sending are kept in this tab.", actions: true, signin: true });
      break;
    case "closed":
      Object.assign(m, { title: "The room is not open.", sub: refusal || "The server did not let this page into the room.", actions: true, rejoin: "Try again" });
      break;
  }
  if (!m.title && joinedOnce && !otherHere) {
    m.title = `Waiting for ${otherName}…`;
    if (away.reason && away.reason !== "not_yet") {
      m.sub = `${otherName} ${LEFT_TEXT[away.reason] || "left the room"}. The call goes on when they are back.`;
    } else if (away.online) {
      m.sub = `${otherName} has Rapport open and was told that you are here.`;
    } else {
      m.sub = `You will see them here as soon as they join. Meanwhile you can leave a message in the chat.`;
    }
  }
  return m;
}

/**
 * featured picks the tile to show large: a shared screen, else whoever
 * speaks, else the other person, else anyone but me, else the first.
 * @template {{screenOf?: boolean, speaking?: boolean, userId?: number}} T
 * @param {T[]} tiles
 * @param {number} me
 * @param {number} other
 * @returns {T|undefined}
 */
export function featured(tiles, me, other) {
  return (
    tiles.find((t) => t.screenOf) ||
    tiles.find((t) => t.speaking && t.userId !== me) ||
    tiles.find((t) => t.userId === other) ||
    tiles.find((t) => t.userId !== undefined && t.userId !== me) ||
    tiles[0]
  );
}

export class Stage {
  /**
   * @param {HTMLElement} root the room section
   * @param {object} o
   * @param {Call} o.call
   * @param {number} o.me
   * @param {number} o.other the other person's user id
   * @param {() => string} o.sinkId the speaker chosen in the devices panel
   */
  constructor(root, { call, me, other, sinkId }) {
    const $ = finder(root);
    this.stage = $("[data-stage]");
    this.tiles = $("[data-tiles]");
    this.msg = $("[data-stage-msg]");
    this.title = $("[data-stage-title]");
    this.sub = $("[data-stage-sub]");
    this.actions = $("[data-stage-actions]");
    this.rejoin = $("[data-rejoin]");
    this.call = call;
    this.me = me;
    this.other = other;
    this.sinkId = sinkId;
    this.layout = "speaker";
    // Signed out: a way back to this very room after signing in.
    this.signin = el("a", "btn btn-primary", "Sign in again");
    this.signin.href = `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
    this.signin.hidden = true;
    this.actions.prepend(this.signin);
    /** @type {WeakMap<MediaStreamTrack, MediaStream>} */
    this.localStreams = new WeakMap();
    // The size each remote video is shown at goes to the server (the SFU
    // picks the simulcast layer by it), as tiles change with the layout.
    this.sizes = new ResizeObserver((entries) => {
      for (const e of entries) {
        const stream = /** @type {HTMLElement} */ (e.target).dataset.stream;
        if (stream) call.view(stream, e.contentRect.width * devicePixelRatio, e.contentRect.height * devicePixelRatio);
      }
    });
  }

  /**
   * say shows a message (or none) over the tiles.
   * @param {StageMessage} m
   */
  say(m) {
    this.actions.hidden = !m.actions;
    this.signin.hidden = !m.signin;
    this.rejoin.hidden = m.rejoin === "";
    if (m.rejoin) this.rejoin.textContent = m.rejoin;
    this.title.textContent = m.title;
    this.sub.textContent = m.sub;
    this.sub.hidden = m.sub === "";
    this.msg.hidden = m.title === "";
  }

  /**
   * tiles draws a tile for everyone present, with their camera (or their
   * initials), and one for each shared screen.
   * @param {Map<number, Participant>} people
   * @param {number} speaker who speaks, as the server hears it
   */
  draw(people, speaker) {
    const { me, call } = this;
    const keep = new Set();
    for (const [id, p] of people) {
      const tile = this.personTile(id, p);
      keep.add(tile);
      tile.dataset.speaking = String(id === speaker);
      const camera = id === me ? this.localStream(call.local.tracks.camera) : p.cam ? call.remote.get(id)?.camera : null;
      showVideo(tile, camera || null, id === me);
      if (id !== me) this.watchSize(tile, streamName(id, "camera"));
      if (id !== me) playAudio(tile, call.remote.get(id)?.mic || null, this.sinkId());
      const screen = id === me ? this.localStream(call.local.tracks.screen) : p.screen ? call.remote.get(id)?.screen : null;
      if (screen) keep.add(this.screenTile(id, p, screen));
    }
    for (const t of [...this.tiles.children]) if (!keep.has(t)) t.remove();
    const mine = this.tiles.querySelector(`.tile[data-user-id="${me}"]`);
    if (mine && this.tiles.firstChild !== mine) this.tiles.prepend(mine);
    this.feature();
    this.stage.dataset.media = call.state;
  }

  /**
   * personTile makes (or finds) and labels a person's tile.
   * @param {number} id
   * @param {Participant} p
   * @returns {HTMLElement}
   */
  personTile(id, p) {
    const me = this.me;
    const tile = this.tileFor(`[data-user-id="${id}"]`, () => {
      const t = el("div", "tile");
      t.dataset.userId = String(id);
      const box = el("div", "tile-media");
      box.append(el("span", "tile-avatar", p.role === "ai" ? "AI" : initials(p.name)));
      t.append(box, el("div", "tile-label"));
      return t;
    });
    tile.dataset.mic = String(!!p.mic);
    tile.dataset.cam = String(!!p.cam);
    tile.classList.toggle("tile-self", id === me);
    const label = /** @type {HTMLElement} */ (tile.querySelector(".tile-label"));
    const parts = [el("span", "tile-name", id === me ? `${p.name} (you)` : p.name)];
    if (!p.mic) parts.push(el("span", "chip tile-muted", "muted"));
    if (id !== me && tile.dataset.quality) {
      const q = el("span", `quality quality-${tile.dataset.quality}`, "");
      q.title = `Connection: ${tile.dataset.quality}`;
      parts.unshift(q);
    }
    label.replaceChildren(...parts);
    return tile;
  }

  /**
   * screenTile makes (or finds) the tile of a person's shared screen.
   * @param {number} id
   * @param {Participant} p
   * @param {MediaStream} screen
   * @returns {HTMLElement}
   */
  screenTile(id, p, screen) {
    const me = this.me;
    const st = this.tileFor(`[data-screen-of="${id}"]`, () => {
      const t = el("div", "tile tile-screen");
      t.dataset.screenOf = String(id);
      const label = el("div", "tile-label");
      label.append(el("span", "tile-name", id === me ? "Your screen" : `${p.name}'s screen`));
      t.append(el("div", "tile-media"), label);
      return t;
    });
    showVideo(st, screen, false);
    if (id !== me) this.watchSize(st, streamName(id, "screen"));
    return st;
  }

  /**
   * @param {string} sel
   * @param {() => HTMLElement} make
   * @returns {HTMLElement}
   */
  tileFor(sel, make) {
    let t = /** @type {HTMLElement|null} */ (this.tiles.querySelector(`.tile${sel}`));
    if (!t) {
      t = make();
      this.tiles.append(t);
    }
    return t;
  }

  // feature marks the featured tile and numbers the others' slots.
  feature() {
    const all = /** @type {HTMLElement[]} */ ([...this.tiles.children]);
    const facts = all.map((t) => ({
      t,
      screenOf: !!t.dataset.screenOf,
      speaking: t.dataset.speaking === "true",
      userId: t.dataset.userId ? Number(t.dataset.userId) : undefined,
    }));
    const pick = featured(facts, this.me, this.other)?.t;
    let slot = 0;
    for (const t of all) {
      t.toggleAttribute("data-featured", t === pick);
      t.style.setProperty("--slot", t === pick ? "0" : String(slot++));
    }
    this.stage.dataset.layout = this.layout;
    this.stage.dataset.tiles = String(all.length);
  }

  /**
   * speaking marks whoever speaks now, without drawing anew.
   * @param {number} speaker
   */
  speaking(speaker) {
    for (const t of this.tiles.querySelectorAll(".tile[data-user-id]")) {
      const tile = /** @type {HTMLElement} */ (t);
      tile.dataset.speaking = String(Number(tile.dataset.userId) === speaker);
    }
  }

  /**
   * showStats marks each person's tile with what their media does; it
   * reports whether a rating changed (the labels then need drawing).
   * @param {import("./stats.js").Stats} stats
   * @returns {boolean}
   */
  showStats(stats) {
    let changed = false;
    for (const [id, s] of stats) {
      const tile = /** @type {HTMLElement|null} */ (this.tiles.querySelector(`.tile[data-user-id="${id}"]`));
      if (!tile) continue;
      tile.dataset.frames = String(s.frames);
      tile.dataset.audio = String(s.energy);
      if (tile.dataset.quality !== s.quality) {
        tile.dataset.quality = s.quality;
        changed = true;
      }
    }
    return changed;
  }

  /**
   * @param {HTMLElement} tile
   * @param {string} stream
   */
  watchSize(tile, stream) {
    if (tile.dataset.stream === stream) return;
    tile.dataset.stream = stream;
    this.sizes.observe(tile);
  }

  /**
   * @param {MediaStreamTrack|null} track
   * @returns {MediaStream|null}
   */
  localStream(track) {
    if (!track) return null;
    let s = this.localStreams.get(track);
    if (!s) {
      s = new MediaStream([track]);
      this.localStreams.set(track, s);
    }
    return s;
  }
}

/**
 * @param {HTMLElement} tile
 * @param {MediaStream|null} stream
 * @param {boolean} mirror
 */
function showVideo(tile, stream, mirror) {
  const box = /** @type {HTMLElement} */ (tile.querySelector(".tile-media"));
  let v = box.querySelector("video");
  if (stream) {
    if (!v) {
      v = document.createElement("video");
      v.autoplay = true;
      v.playsInline = true;
      v.muted = true; // sound comes through the tile's audio element
      box.append(v);
    }
    if (v.srcObject !== stream) {
      v.srcObject = stream;
      if (!mirror) v.requestVideoFrameCallback?.(() => mark("frame")); // the other person's first picture
    }
    v.classList.toggle("mirror", mirror);
  } else if (v) {
    v.remove();
  }
  tile.dataset.video = String(!!stream);
}

/**
 * @param {HTMLElement} tile
 * @param {MediaStream|null} stream
 * @param {string} sinkId
 */
function playAudio(tile, stream, sinkId) {
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
  const out = /** @type {any} */ (a);
  if (sinkId && out.setSinkId && out.sinkId !== sinkId) out.setSinkId(sinkId).catch(() => {});
}

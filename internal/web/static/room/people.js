// @ts-check
// The people in the room: me, the other person (here or not), then anyone
// else (the AI). Each reads in plain words (here, muted, camera off, not
// here yet); the network path each one's media takes is a technical
// word, shown under Connection details only.

import { el, initials } from "./dom.js";

/** @typedef {import("./protocol.js").Participant} Participant */

/**
 * What the page knows of the other person while they are away: why they
 * left (not_yet before they ever came), whether they have the app open,
 * and whether they were here when this page left the room.
 * @typedef {{reason: string, online: boolean, wasHere?: boolean}} Away
 */

/** @type {Object<string, string>} */
export const LEFT_TEXT = {
  left: "left the room",
  gone: "lost their connection",
  too_slow: "lost their connection",
};

/**
 * absentStatus says why someone is not in the room.
 * @param {object} o
 * @param {boolean} o.isMe
 * @param {string} o.state the page's connection state
 * @param {boolean} o.final the page is out of the room
 * @param {Away} o.away
 * @returns {string}
 */
export function absentStatus({ isMe, state, final, away }) {
  if (isMe) return state === "left" ? "Left" : final ? "Not connected" : "Joining…";
  if (final && away.wasHere) return "Was here when you left";
  if (away.reason && away.reason !== "not_yet") return away.reason === "left" ? "Left the room" : "Connection lost";
  if (away.online) return "Not here yet · has Rapport open";
  return "Not here yet";
}

export class PeopleList {
  /**
   * @param {HTMLElement} list the ul
   * @param {{me: number, myName: string, other: {id: number, name: string}}} who
   */
  constructor(list, { me, myName, other }) {
    this.list = list;
    this.me = me;
    this.myName = myName;
    this.other = other;
  }

  /**
   * render draws everyone.
   * @param {Map<number, Participant>} people those present
   * @param {{state: string, final: boolean, away: Away}} page
   */
  render(people, page) {
    const { me, other } = this;
    const ids = [me, other.id, ...[...people.keys()].filter((id) => id !== me && id !== other.id)];
    this.list.replaceChildren(...ids.map((id) => this.item(id, people.get(id), page)));
  }

  /**
   * @param {number} id
   * @param {Participant|undefined} p
   * @param {{state: string, final: boolean, away: Away}} page
   * @returns {HTMLLIElement}
   */
  item(id, p, page) {
    const li = el("li", "person");
    li.dataset.userId = String(id);
    li.dataset.present = String(!!p);
    const name = p?.name || (id === this.me ? this.myName : id === this.other.id ? this.other.name : "");
    const avatar = el("span", "avatar", p?.role === "ai" ? "AI" : initials(name));
    avatar.setAttribute("aria-hidden", "true");
    const body = el("div", "person-body");
    const line = el("div", "person-name", name);
    if (id === this.me) line.append(" ", el("span", "muted", "(you)"));
    const role = p?.role;
    if (role) line.append(" ", el("span", "badge", role === "ai" ? "AI" : role));
    const status = el("div", "person-status small");
    if (p) {
      status.append(el("span", "dot dot-on", ""), "Here", ...chips(p));
    } else {
      status.classList.add("muted");
      status.append(el("span", "dot", ""), absentStatus({ isMe: id === this.me, ...page }));
    }
    body.append(line, status);
    li.append(avatar, body);
    return li;
  }
}

/**
 * chips shows a participant's devices in words, and their network path
 * as a technical detail.
 * @param {Participant} p
 * @returns {HTMLElement[]}
 */
function chips(p) {
  const out = [];
  const mic = el("span", `chip ${p.mic ? "chip-on" : ""}`, p.mic ? "mic on" : "muted");
  mic.dataset.kind = "mic";
  const cam = el("span", `chip ${p.cam ? "chip-on" : ""}`, p.cam ? "camera on" : "camera off");
  cam.dataset.kind = "cam";
  out.push(mic, cam);
  if (p.path && p.path !== "none") {
    const path = el("span", "chip tech", p.path);
    path.dataset.kind = "path";
    path.title = pathWords(p.path);
    out.push(path);
  }
  return out;
}

/**
 * pathWords explains a network path for the curious.
 * @param {string} path
 * @returns {string}
 */
export function pathWords(path) {
  if (path === "p2p") return "Video and audio go directly between the two browsers";
  if (path === "tunnel") return "Video and audio go over a WebSocket to the server (this network blocks WebRTC)";
  if (path.startsWith("turn-")) return `Video and audio go through a TURN relay (${path.slice(5).toUpperCase()})`;
  if (path.startsWith("sfu-")) return `Video and audio go through the server (${path.slice(4).toUpperCase()})`;
  return path;
}

// @ts-check
// Links in chat messages: http(s) URLs become links, and nothing in a
// message is ever parsed as HTML. linkParts is the pure half (tested with
// node); linkify makes the DOM nodes.

/**
 * A piece of a message: text, or a link with its text.
 * @typedef {{text: string, href?: string}} Part
 */

/**
 * linkParts splits a text into text and http(s) links. Trailing
 * punctuation ends the sentence, not the URL; a closing bracket belongs to
 * the URL only when it opened one.
 * @param {string} text
 * @returns {Part[]}
 */
export function linkParts(text) {
  /** @type {Part[]} */
  const parts = [];
  const re = /\bhttps?:\/\/[^\s<>"]+/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const url = trimURL(m[0]);
    const href = httpURL(url);
    if (!href) continue;
    const at = m.index || 0;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ text: url, href });
    last = at + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * trimURL drops what ends the sentence rather than the URL.
 * @param {string} url
 * @returns {string}
 */
function trimURL(url) {
  for (;;) {
    const c = url.at(-1) || "";
    if (".,;:!?'*".includes(c)) url = url.slice(0, -1);
    else if (c === ")" && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
    else if (c === "]" && count(url, "[") < count(url, "]")) url = url.slice(0, -1);
    else return url;
  }
}

/**
 * httpURL is the normalized address of an http(s) URL, or "" for anything else.
 * @param {string} url
 * @returns {string}
 */
function httpURL(url) {
  try {
    const u = new URL(url);
    if (u.protocol === "http:" || u.protocol === "https:") return u.href;
  } catch {
    // not a URL after all: stays text
  }
  return "";
}

/**
 * @param {string} s
 * @param {string} ch
 * @returns {number}
 */
function count(s, ch) {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/**
 * linkify returns the text as DOM nodes: text nodes, and <a> elements for
 * http(s) URLs only.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function linkify(text) {
  const frag = document.createDocumentFragment();
  for (const p of linkParts(text)) {
    if (!p.href) {
      frag.append(p.text);
      continue;
    }
    const a = document.createElement("a");
    a.href = p.href;
    a.textContent = p.text;
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    frag.append(a);
  }
  return frag;
}

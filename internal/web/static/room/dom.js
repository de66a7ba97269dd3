// @ts-check
// Small helpers the room's modules share (and app.js): making and finding
// elements, a person's initials, clock times in a time zone, a server's
// words as a sentence, an error in words, and the address of a WebSocket
// on this server.

/**
 * el makes an element with a class and a text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [cls]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * need finds the element a module cannot work without: a page that lacks
 * it is a broken template, said at once rather than as a null later.
 * @template {Element} [E=HTMLElement]
 * @param {ParentNode} root
 * @param {string} sel
 * @returns {E}
 */
export function need(root, sel) {
  const e = root.querySelector(sel);
  if (!e) throw new Error(`the room page has no ${sel}`);
  return /** @type {E} */ (/** @type {unknown} */ (e));
}

/**
 * finder is querySelector within root, for the elements of a part of the
 * page that its template always has (those that may be missing are cast
 * to HTMLElement|null where they are found).
 * @param {ParentNode} root
 * @returns {(sel: string) => HTMLElement}
 */
export function finder(root) {
  return (sel) => /** @type {HTMLElement} */ (root.querySelector(sel));
}

/**
 * errorText is what went wrong, in an error's own words, or fallback when
 * it has none.
 * @param {unknown} e
 * @param {string} fallback
 * @returns {string}
 */
export function errorText(e, fallback) {
  return (e instanceof Error && e.message) || fallback;
}

/**
 * initials are the first letters of a name's first two words ("?" for none).
 * @param {string|undefined|null} name
 * @returns {string}
 */
export function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).slice(0, 2);
  return parts.map((p) => p[0]?.toUpperCase() || "").join("") || "?";
}

/**
 * sentence starts a server's message with a capital and ends it with a
 * full stop, as the server does on its own pages.
 * @param {string|undefined|null} s
 * @returns {string}
 */
export function sentence(s) {
  s = String(s || "").trim();
  if (!s) return s;
  s = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : s + ".";
}

/**
 * clockFormat formats hours and minutes in a time zone, or in the
 * browser's when the zone is unknown.
 * @param {string|undefined} zone
 * @returns {Intl.DateTimeFormat}
 */
export function clockFormat(zone) {
  try {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: zone || undefined });
  } catch {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  }
}

/**
 * socketURL is the address of a WebSocket at a path of this server.
 * @param {string} path
 * @returns {string}
 */
export function socketURL(path) {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
}

// @ts-check
// The fallback chain: a network may block UDP, or WebRTC altogether. The
// call tries, in order, each step getting STEP_TIMEOUT to connect: WebRTC
// to the SFU with every candidate (UDP first, then TCP, then the TURN
// servers' relays, as ICE prefers them); WebRTC through TURN over TCP and
// TLS only (when the server gives such TURN servers); the WebSocket media
// relay (relay.js), where the browser has WebCodecs. After the last step
// the chain starts over. Pure: the Call (media.js) runs the steps.

/** ms a step of the fallback chain gets to connect */
export const STEP_TIMEOUT = 8000;

/** @typedef {"webrtc"|"turn-tcp"|"relay"} Step */

/**
 * chainSteps is the fallback chain for this browser and server.
 * @param {object} o
 * @param {string} o.media "relay" goes straight to the relay, "webrtc" never falls back to it
 * @param {boolean} o.relayOnly ICE is already held to TURN relays (?relay=1)
 * @param {RTCIceServer[]} o.iceServers
 * @param {boolean} o.canRelay the browser can use the media relay
 * @returns {Step[]}
 */
export function chainSteps({ media, relayOnly, iceServers, canRelay }) {
  /** @type {Step[]} */
  const steps = [];
  if (media !== "relay") {
    steps.push("webrtc");
    if (!relayOnly && tcpTurn(iceServers).length) steps.push("turn-tcp");
  }
  if (media !== "webrtc" && canRelay) steps.push("relay");
  return steps.length ? steps : ["webrtc"];
}

/**
 * nextStep is the index of the step after i in a chain of n steps.
 * @param {number} i
 * @param {number} n
 * @returns {number}
 */
export function nextStep(i, n) {
  return i + 1 < n ? i + 1 : 0;
}

/**
 * tcpTurn keeps the TURN servers' TCP and TLS addresses (turns:, or
 * transport=tcp): what a network that blocks UDP still lets through.
 * @param {RTCIceServer[]|undefined} servers
 * @returns {RTCIceServer[]}
 */
export function tcpTurn(servers) {
  const out = [];
  for (const s of servers || []) {
    const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => /^turns:/.test(u) || /transport=tcp/.test(u));
    if (urls.length) out.push({ ...s, urls });
  }
  return out;
}

// @ts-check
// The fallback chain: a network may block UDP, or WebRTC altogether. The
// call tries, in order, each step getting STEP_TIMEOUT to connect: WebRTC
// to the SFU with every candidate (UDP first, then TCP, then the TURN
// servers' relays, as ICE prefers them); WebRTC through TURN over TCP and
// TLS only (when the server gives such TURN servers); the WebSocket media
// tunnel (tunnel.js), where the browser has WebCodecs. After the last step
// the chain starts over. Pure: the Call (media.js) runs the steps. The ICE
// servers' helpers are here too: the peer connections' configuration, and
// which servers are TURN relays, over which transports.

/** ms a step of the fallback chain gets to connect */
export const STEP_TIMEOUT = 8000;

/** @typedef {"webrtc"|"turn-tcp"|"tunnel"} Step */

/**
 * chainSteps is the fallback chain for this browser and server.
 * @param {object} o
 * @param {string} o.media "tunnel" goes straight to the tunnel, "webrtc" never falls back to it
 * @param {boolean} o.turnOnly ICE is already held to TURN relays (?relay=1)
 * @param {RTCIceServer[]} o.iceServers
 * @param {boolean} o.canTunnel the browser can use the media tunnel
 * @returns {Step[]}
 */
export function chainSteps({ media, turnOnly, iceServers, canTunnel }) {
  /** @type {Step[]} */
  const steps = [];
  if (media !== "tunnel") {
    steps.push("webrtc");
    if (!turnOnly && tcpTurn(iceServers).length) steps.push("turn-tcp");
  }
  if (media !== "webrtc" && canTunnel) steps.push("tunnel");
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
    const urls = urlsOf(s).filter((u) => /^turns:/.test(u) || /transport=tcp/.test(u));
    if (urls.length) out.push({ ...s, urls });
  }
  return out;
}

/**
 * turnServers keeps the ICE servers that are TURN relays (turn: or turns:).
 * @param {RTCIceServer[]|undefined} servers
 * @returns {RTCIceServer[]}
 */
export function turnServers(servers) {
  return (servers || []).filter((s) => urlsOf(s).some((u) => /^turns?:/.test(u)));
}

/**
 * urlsOf lists an ICE server's addresses (one, or several).
 * @param {RTCIceServer} server
 * @returns {string[]}
 */
export function urlsOf(server) {
  return Array.isArray(server.urls) ? server.urls : [server.urls];
}

/**
 * rtcConfig is the configuration of the call's peer connections: one
 * transport for everything, and TURN relays only when relayOnly.
 * @param {RTCIceServer[]} iceServers
 * @param {boolean} relayOnly
 * @returns {RTCConfiguration}
 */
export function rtcConfig(iceServers, relayOnly) {
  return { iceServers, iceTransportPolicy: relayOnly ? "relay" : "all", bundlePolicy: "max-bundle" };
}

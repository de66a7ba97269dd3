import { test } from "node:test";
import assert from "node:assert/strict";
import { chainSteps, nextStep, tcpTurn } from "../static/room/chain.js";
import { lossSince, pathOf, quality, rateTunnel, rateWebRTC } from "../static/room/stats.js";

const stun = { urls: "stun:stun.example.com:3478" };
const turn = { urls: ["turn:t.example.com:3478?transport=udp", "turn:t.example.com:3478?transport=tcp", "turns:t.example.com:5349"], username: "u", credential: "c" };

test("tcpTurn keeps the TURN addresses a UDP-blocking network lets through", () => {
  assert.deepEqual(tcpTurn([stun, turn]), [{ ...turn, urls: ["turn:t.example.com:3478?transport=tcp", "turns:t.example.com:5349"] }]);
  assert.deepEqual(tcpTurn([stun, { urls: "turn:t.example.com:3478" }]), []);
  assert.deepEqual(tcpTurn(undefined), []);
});

test("chainSteps: WebRTC, TURN over TCP when there is one, the tunnel where the browser can", () => {
  const base = { media: "", turnOnly: false, iceServers: [stun, turn], canTunnel: true };
  assert.deepEqual(chainSteps(base), ["webrtc", "turn-tcp", "tunnel"]);
  assert.deepEqual(chainSteps({ ...base, iceServers: [stun] }), ["webrtc", "tunnel"]);
  assert.deepEqual(chainSteps({ ...base, turnOnly: true }), ["webrtc", "tunnel"]);
  assert.deepEqual(chainSteps({ ...base, canTunnel: false }), ["webrtc", "turn-tcp"]);
  assert.deepEqual(chainSteps({ ...base, media: "tunnel" }), ["tunnel"]);
  assert.deepEqual(chainSteps({ ...base, media: "webrtc" }), ["webrtc", "turn-tcp"]);
  assert.deepEqual(chainSteps({ ...base, media: "tunnel", canTunnel: false }), ["webrtc"]);
});

test("nextStep starts the chain over after its last step", () => {
  assert.equal(nextStep(0, 3), 1);
  assert.equal(nextStep(2, 3), 0);
  assert.equal(nextStep(0, 1), 0);
});

test("quality: good, fair or poor by loss and round trip", () => {
  assert.equal(quality(0, 0.05), "good");
  assert.equal(quality(0.02, 0.25), "good");
  assert.equal(quality(0.03, 0), "fair");
  assert.equal(quality(0, 0.3), "fair");
  assert.equal(quality(0.11, 0), "poor");
  assert.equal(quality(0, 0.6), "poor");
});

test("lossSince counts the packets of the last reading only", () => {
  assert.equal(lossSince({ received: 100, lost: 0 }, undefined, false), 0);
  assert.equal(lossSince({ received: 190, lost: 10 }, { received: 100, lost: 0 }, false), 0.1);
  assert.equal(lossSince({ received: 200, lost: 10 }, { received: 100, lost: 0 }, true), 0.1);
  assert.equal(lossSince({ received: 100, lost: 5 }, { received: 100, lost: 5 }, false), 0);
  assert.equal(lossSince({ received: 150, lost: 3 }, { received: 100, lost: 5 }, false), 0); // a counter that went back
});

test("rateWebRTC and rateTunnel fill in loss, quality and the tunnel's frame rate", () => {
  const s = (frames, received, lost) => ({ frames, fps: 0, received, lost, energy: 0, rtt: 0, loss: 0, quality: "good" });
  const now = new Map([[4, s(300, 190, 10)]]);
  rateWebRTC(now, new Map([[4, s(270, 100, 0)]]), 0.01);
  assert.equal(now.get(4).loss, 0.1);
  assert.equal(now.get(4).quality, "fair");
  const tunneled = new Map([[4, s(330, 200, 0)]]);
  rateTunnel(tunneled, new Map([[4, s(300, 100, 0)]]), 1000);
  assert.equal(tunneled.get(4).fps, 30);
  assert.equal(tunneled.get(4).quality, "good");
});

test("pathOf names the path by the local candidate", () => {
  assert.equal(pathOf(null), "none");
  assert.equal(pathOf({ candidateType: "host", protocol: "udp" }), "sfu-udp");
  assert.equal(pathOf({ candidateType: "srflx", protocol: "tcp" }), "sfu-tcp");
  assert.equal(pathOf({ candidateType: "relay", relayProtocol: "tls" }), "turn-tls");
  assert.equal(pathOf({ candidateType: "relay" }), "turn-udp");
});

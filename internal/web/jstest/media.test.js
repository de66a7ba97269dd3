import { test } from "node:test";
import assert from "node:assert/strict";
import { chainSteps, nextStep, rtcConfig, tcpTurn, turnServers, urlsOf } from "../static/room/chain.js";
import { PURPOSES, kindOf } from "../static/room/tracks.js";
import { RemoteStreams, streamName, streamOwner } from "../static/room/remote.js";
import { CallPeers } from "../static/room/peers.js";
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

test("turnServers, urlsOf and rtcConfig: the ICE servers the call's peer connections get", () => {
  assert.deepEqual(turnServers([stun, turn, { urls: "turns:t.example.com:5349" }]), [turn, { urls: "turns:t.example.com:5349" }]);
  assert.deepEqual(turnServers(undefined), []);
  assert.deepEqual(urlsOf(stun), ["stun:stun.example.com:3478"]);
  assert.equal(urlsOf(turn), turn.urls);
  assert.deepEqual(rtcConfig([stun], false), { iceServers: [stun], iceTransportPolicy: "all", bundlePolicy: "max-bundle" });
  assert.equal(rtcConfig([turn], true).iceTransportPolicy, "relay");
});

test("kindOf: the microphone is audio, the camera and the screen video", () => {
  assert.deepEqual(PURPOSES.map(kindOf), ["audio", "video", "video"]);
});

test("streamName and streamOwner: whose a received stream is, by the SFU's name for it", () => {
  assert.equal(streamName(12, "camera"), "12-camera");
  assert.deepEqual(streamOwner("12-camera"), { user: 12, purpose: "camera" });
  assert.deepEqual(streamOwner(streamName(3, "screen")), { user: 3, purpose: "screen" });
  for (const id of ["12-speaker", "camera", "x-mic", "12-mic-2", "", undefined]) assert.equal(streamOwner(id), null, String(id));
});

/** fakeTrack and fakeStream stand in for MediaStreamTrack and MediaStream. */
const fakeTrack = () => ({ readyState: "live", onended: null, onunmute: null });
const fakeStream = (...tracks) => ({ tracks, onremovetrack: null, getTracks() { return this.tracks; } });

test("RemoteStreams files streams by person and purpose, and keeps each while a track of it lives", () => {
  let changes = 0;
  const remote = new RemoteStreams(() => changes++);
  const cam = fakeTrack();
  const mic = fakeTrack();
  const s = fakeStream(cam, mic);
  remote.follow(4, "camera", s, cam);
  assert.equal(remote.get(4).camera, s);
  assert.equal(changes, 1);
  cam.onunmute();
  assert.equal(changes, 2, "a track that unmutes is a change");
  cam.readyState = "ended";
  cam.onended();
  assert.equal(remote.get(4).camera, s, "its other track still plays");
  mic.readyState = "ended";
  s.onremovetrack();
  assert.equal(remote.get(4).camera, undefined);

  const older = fakeTrack();
  const newer = fakeTrack();
  const first = fakeStream(older);
  remote.follow(5, "mic", first, older);
  remote.follow(5, "mic", fakeStream(newer), newer);
  older.readyState = "ended";
  older.onended();
  assert.ok(remote.get(5).mic, "a stream that ends does not take its successor with it");

  remote.put(6, "screen", s);
  remote.put(6, "screen", null);
  assert.deepEqual(remote.get(6), {});
});

test("CallPeers: a call of two in a p2p room goes direct; the AI, a third person or a failure send it to the SFU", () => {
  const p = new CallPeers();
  const joined = (participants, mode = "p2p") => p.joined({ call_mode: mode, you: { user_id: 2, name: "Me" }, participants });
  joined([{ user_id: 2, name: "Me" }, { user_id: 3, name: "Cleo" }]);
  assert.deepEqual([p.me, [...p.others], p.other], [2, [3], 3]);
  assert.ok(p.wantsDirect(""));
  assert.ok(!p.wantsDirect("tunnel"));
  assert.ok(!p.polite(3), "the lower user ID offers");
  assert.ok(p.polite(1));
  joined([{ user_id: 3, name: "Cleo" }], "sfu");
  assert.ok(!p.wantsDirect(""));
  joined([{ user_id: 3, name: "Cleo" }, { user_id: 0, name: "AI", role: "ai" }]);
  assert.ok(p.aiPresent && !p.wantsDirect(""));
  joined([]);
  p.directFailed = true;
  assert.ok(!p.wantsDirect(""));
  joined([]);
  assert.ok(!p.directFailed, "a new join tries direct again");
});

test("CallPeers.arrived: what the call does when someone joins", () => {
  const now = { direct: false, ready: true, media: "" };
  const fresh = (mode = "p2p") => {
    const p = new CallPeers();
    p.joined({ call_mode: mode, you: { user_id: 2, name: "Me" }, participants: [] });
    return p;
  };
  assert.equal(fresh().arrived({ user_id: 3, name: "Cleo" }, now), "direct");
  assert.equal(fresh().arrived({ user_id: 2, name: "Me" }, now), "", "ourselves, from another tab");
  assert.equal(fresh("sfu").arrived({ user_id: 3, name: "Cleo" }, now), "");
  assert.equal(fresh().arrived({ user_id: 3, name: "Cleo" }, { ...now, ready: false }), "", "the devices are not open yet: joined() starts it");
  const three = fresh();
  three.arrived({ user_id: 3, name: "Cleo" }, now);
  assert.equal(three.arrived({ user_id: 4, name: "Dan" }, { ...now, direct: true }), "fallback");
  assert.equal(three.arrived({ user_id: 5, name: "Eve" }, now), "decline");
  const ai = fresh();
  assert.equal(ai.arrived({ user_id: 0, name: "AI", role: "ai" }, { ...now, direct: true }), "fallback");
  assert.ok(ai.aiPresent);
  assert.equal(fresh().arrived({ user_id: 0, name: "AI", role: "ai" }, now), "");
});

test("CallPeers.signaled: what the call does with the other browser's signaling", () => {
  const p = new CallPeers();
  p.joined({ call_mode: "p2p", you: { user_id: 2, name: "Me" }, participants: [{ user_id: 3, name: "Cleo" }] });
  const now = { directWith: 3, media: "" };
  assert.equal(p.signaled(3, { fallback: true }, now), "fallback");
  assert.equal(p.signaled(3, { candidate: {} }, now), "receive");
  assert.equal(p.signaled(3, { description: {}, fresh: true }, now), "restart", "a new connection of theirs");
  assert.equal(p.signaled(3, { candidate: {} }, { ...now, directWith: undefined }), "restart");
  assert.equal(p.signaled(3, { fresh: true }, { ...now, media: "tunnel" }), "decline");
  assert.equal(p.signaled(3, { candidate: {} }, { ...now, media: "tunnel" }), "");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { TransportPolicy, backoffDelay, finalState, isFinal } from "../static/room/reconnect.js";
import { Requests, SignalError, errorCode } from "../static/room/requests.js";
import { ServerClock } from "../static/room/clock.js";
import { savedMessages } from "../static/room/outbox.js";

test("backoffDelay doubles from 500 ms up to 15 s, with half to all of it as jitter", () => {
  assert.equal(backoffDelay(0, 0), 250);
  assert.equal(backoffDelay(0, 0.999999), 500);
  assert.equal(backoffDelay(1, 0), 500);
  assert.equal(backoffDelay(3, 0.5), 3000); // 4 s: three quarters of it
  assert.equal(backoffDelay(5, 0.999999), 15000); // 16 s, held to 15 s
  assert.equal(backoffDelay(10, 0), 7500);
  for (let a = 0; a < 12; a++) {
    const d = backoffDelay(a, Math.random());
    assert.ok(d >= 250 && d <= 15000, `attempt ${a}: ${d} ms`);
  }
});

test("isFinal: the states that wait for the person rather than reconnect", () => {
  for (const s of ["replaced", "left", "ended", "signed_out", "closed"]) assert.ok(isFinal(s), s);
  for (const s of ["idle", "connecting", "open", "reconnecting", "room_ended"]) assert.ok(!isFinal(s), s);
});

test("finalState: the reasons a connection ends for good, and the state each leaves", () => {
  assert.equal(finalState("room_ended"), "ended");
  assert.equal(finalState("replaced"), "replaced");
  assert.equal(finalState("closed"), "closed");
  for (const r of ["gone", "restarting", "too_slow", "conn_ended", "unreachable", "pagehide", "", "toString"]) assert.equal(finalState(r), "", r);
});

test("TransportPolicy: two failed WebSockets where none worked, three where one had, then long polling", () => {
  const p = new TransportPolicy(false);
  assert.equal(p.wsFailed(false, 0, "timeout"), false);
  assert.equal(p.usePoll, false);
  assert.equal(p.wsFailed(false, 0, "gone"), true);
  assert.equal(p.usePoll, true);

  const worked = new TransportPolicy(false);
  worked.joined("websocket");
  assert.equal(worked.wsFailed(true, 1000, "gone"), false, "joined but died at once: a failure");
  assert.equal(worked.wsFailed(false, 0, "gone"), false);
  assert.equal(worked.wsFailed(false, 0, "gone"), true);
  assert.equal(worked.wsFailures, 3);
});

test("TransportPolicy: a WebSocket that lived, or that the server closed for a reason, starts the count over", () => {
  for (const [lived, reason] of [[30000, "gone"], [10, "restarting"], [10, "too_slow"]]) {
    const p = new TransportPolicy(false);
    p.wsFailed(false, 0, "gone");
    assert.equal(p.wsFailed(true, lived, reason), false, `${lived} ms, ${reason}`);
    assert.equal(p.wsFailures, 0, `${lived} ms, ${reason}`);
  }
});

test("TransportPolicy: a server that says it is restarting, before a join or after, says WebSockets get through", () => {
  const p = new TransportPolicy(false);
  for (let i = 0; i < 5; i++) assert.equal(p.wsFailed(false, 0, "restarting"), false);
  assert.equal(p.wsFailures, 0);
  assert.equal(p.usePoll, false);
});

test("TransportPolicy: an unreachable server sends the next try to the WebSocket; forced long polling stays", () => {
  const p = new TransportPolicy(false);
  p.wsFailed(false, 0, "gone");
  p.wsFailed(false, 0, "gone");
  p.pollFailed(true, "unreachable");
  assert.equal(p.usePoll, true, "a long poll that had opened: the WebSocket is still blocked");
  p.pollFailed(false, "refused");
  assert.equal(p.usePoll, true);
  p.pollFailed(false, "unreachable");
  assert.equal(p.usePoll, false);
  assert.equal(p.wsFailures, 0);
  const forced = new TransportPolicy(true);
  forced.pollFailed(false, "unreachable");
  forced.joined("websocket");
  assert.equal(forced.usePoll, true);
});

test("TransportPolicy: the backoff grows with each try and starts over on a join; the probe waits longer each time", () => {
  const p = new TransportPolicy(false);
  assert.deepEqual([p.backoff(0), p.backoff(0), p.backoff(0)], [250, 500, 1000]);
  p.joined("longpoll");
  assert.equal(p.backoff(0), 250);
  for (let i = 0; i < 20; i++) p.backoff(0);
  assert.equal(p.attempt, 10);
  assert.equal(p.probeWait, 5 * 60000);
  p.probeFailed();
  assert.equal(p.probeWait, 10 * 60000);
  for (let i = 0; i < 5; i++) p.probeFailed();
  assert.equal(p.probeWait, 40 * 60000);
  p.wsFailures = 1;
  p.upgraded();
  assert.deepEqual([p.probeWait, p.wsFailures], [5 * 60000, 0]);
});

/** conn is a transport that keeps what is sent on it. */
function conn(open = true) {
  const sent = [];
  return { sent, isOpen: () => open, send: (f) => sent.push(f) };
}

test("Requests: an answer settles the request of its id; an error frame rejects it with the server's code", async () => {
  const r = new Requests();
  const t = conn();
  const ok = r.send(t, "ping", undefined, 1000);
  const bad = r.send(t, "chat.send", { body: "" }, 1000);
  assert.deepEqual(t.sent.map((f) => [f.type, f.id]), [["ping", "1"], ["chat.send", "2"]]);
  assert.equal(r.answer({ v: 1, type: "chat.message" }), false, "a frame without an id answers nothing");
  assert.equal(r.answer({ v: 1, type: "error", id: "2", data: { code: "invalid", message: "empty", fields: { body: "is empty" } } }), true);
  assert.equal(r.answer({ v: 1, type: "pong", id: "1" }), true);
  assert.equal(r.answer({ v: 1, type: "pong", id: "1" }), false, "answered once");
  assert.equal((await ok).type, "pong");
  await assert.rejects(bad, (e) => e instanceof SignalError && e.code === "invalid" && e.fields.body === "is empty");
});

test("Requests: not connected, the connection ended, no answer in time", async () => {
  const r = new Requests();
  await assert.rejects(r.send(null, "ping", undefined, 1000), { code: "disconnected" });
  await assert.rejects(r.send(conn(false), "ping", undefined, 1000), { code: "disconnected" });
  const t = conn();
  const other = conn();
  const lost = r.send(t, "ping", undefined, 1000);
  const kept = r.send(other, "ping", undefined, 1000);
  r.fail(t);
  await assert.rejects(lost, { code: "disconnected" });
  assert.equal(r.pending.size, 1, "only the requests of the connection that ended");
  r.answer({ v: 1, type: "pong", id: "2" });
  await kept;
  await assert.rejects(r.send(t, "ping", undefined, 5), { code: "timeout" });
  assert.equal(r.pending.size, 0);
});

test("errorCode: a failed request's code, nothing for other errors", () => {
  assert.equal(errorCode(new SignalError("conflict")), "conflict");
  assert.equal(errorCode({ code: 11 }), "", "a DOMException's number is no request's code");
  assert.equal(errorCode(new Error("x")), "");
  assert.equal(errorCode(undefined), "");
});

test("ServerClock: the sample of the fastest round trip, its midpoint as the server's instant", () => {
  let wall = 1_000_000;
  let mono = 500;
  const c = new ServerClock({ wall: () => wall, mono: () => mono });
  const iso = (ms) => new Date(ms).toISOString();
  c.sample(iso(2_000_000), 400, 500); // sent 100 ms ago, the server read its clock 50 ms ago
  assert.equal(c.offset, 2_000_000 - (1_000_000 - 50));
  assert.equal(c.now(), 2_000_050);
  c.sample(iso(9_000_000), 300, 500); // a slower round trip: ignored
  assert.equal(c.now(), 2_000_050);
  c.sample("not a time", 490, 500);
  assert.equal(c.now(), 2_000_050);
  wall += 1000;
  mono += 1000;
  c.sample(iso(2_001_060), 1490, 1500); // a faster one wins
  assert.equal(c.rtt, 10);
  assert.equal(c.now(), 2_001_060 + 5);
});

test("savedMessages keeps what storage held that is a message", () => {
  const ok = { client_id: "c-1", body: "hi", at: 1 };
  assert.deepEqual(savedMessages([ok, null, { client_id: "", body: "x", at: 1 }, { client_id: "c-2", body: 3, at: 1 }, { client_id: "c-3", body: "y", at: "soon" }]), [ok]);
  assert.deepEqual(savedMessages({ client_id: "c-1" }), []);
  assert.deepEqual(savedMessages(null), []);
});

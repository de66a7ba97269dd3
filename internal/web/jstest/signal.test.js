import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, isFinal } from "../static/room/signal.js";
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

test("savedMessages keeps what storage held that is a message", () => {
  const ok = { client_id: "c-1", body: "hi", at: 1 };
  assert.deepEqual(savedMessages([ok, null, { client_id: "", body: "x", at: 1 }, { client_id: "c-2", body: 3, at: 1 }, { client_id: "c-3", body: "y", at: "soon" }]), [ok]);
  assert.deepEqual(savedMessages({ client_id: "c-1" }), []);
  assert.deepEqual(savedMessages(null), []);
});

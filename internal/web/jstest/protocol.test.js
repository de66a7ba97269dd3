import { test } from "node:test";
import assert from "node:assert/strict";
import { PROTOCOL, buildFrame, parseFrame } from "../static/room/protocol.js";

test("buildFrame: a request has an id; data only when there is some", () => {
  assert.deepEqual(buildFrame("ping", undefined, "7"), { v: PROTOCOL, type: "ping", id: "7" });
  assert.deepEqual(buildFrame("typing", { active: true }), { v: PROTOCOL, type: "typing", data: { active: true } });
  assert.equal(JSON.stringify(buildFrame("chat.send", { body: "hi" }, "1")), `{"v":1,"type":"chat.send","id":"1","data":{"body":"hi"}}`);
});

test("parseFrame takes frames of this protocol only", () => {
  assert.deepEqual(parseFrame(`{"v":1,"type":"pong","id":"3","data":{"server_time":"x"}}`), { v: 1, type: "pong", id: "3", data: { server_time: "x" } });
  assert.deepEqual(parseFrame({ v: 1, type: "timer" }), { v: 1, type: "timer" });
  for (const bad of ["not json", "[]", "null", "42", `{"v":2,"type":"pong"}`, `{"v":1}`, `{"v":1,"type":7}`, null, undefined, [1]]) {
    assert.equal(parseFrame(bad), null, `parseFrame(${JSON.stringify(bad)})`);
  }
});

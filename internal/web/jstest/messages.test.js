// Unit tests of the conversation page's pure functions: `node --test` (make jstest).
import { test } from "node:test";
import assert from "node:assert/strict";

import { newClientID, sizeText } from "../static/messages.js";

test("sizeText reads as people read sizes", () => {
  assert.equal(sizeText(512), "512 bytes");
  assert.equal(sizeText(2048), "2 KB");
  assert.equal(sizeText(10 * 1024 * 1024), "10.0 MB");
});

test("newClientID is a fresh, valid message ID each time", () => {
  const a = newClientID(), b = newClientID();
  assert.notEqual(a, b);
  assert.match(a, /^m-[0-9a-f-]{36}$/);
  assert.ok(a.length <= 64);
});

// Unit tests of the room page's pure functions: `node --test` (make jstest).
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatElapsed } from "../static/room/timer.js";

test("formatElapsed shows m:ss, then h:mm:ss from an hour on", () => {
  const cases = [
    [0, "0:00"],
    [999, "0:00"],
    [1000, "0:01"],
    [59_999, "0:59"],
    [60_000, "1:00"],
    [10 * 60_000 + 5_000, "10:05"],
    [3_599_000, "59:59"],
    [3_600_000, "1:00:00"],
    [3_600_000 + 61_000, "1:01:01"],
    [-5_000, "0:00"], // a clock a little behind the server's start
  ];
  for (const [ms, want] of cases) assert.equal(formatElapsed(ms), want, `formatElapsed(${ms})`);
});

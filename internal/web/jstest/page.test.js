import { test } from "node:test";
import assert from "node:assert/strict";
import { initials, sentence } from "../static/room/dom.js";
import { linkParts } from "../static/room/links.js";
import { before } from "../static/room/chatlog.js";
import { absentStatus, pathWords } from "../static/room/people.js";
import { featured, stageMessage } from "../static/room/stage.js";
import { connectionWords, transportWords } from "../static/room/connection.js";
import { pathHow } from "../static/room/check.js";

test("initials and sentence", () => {
  assert.equal(initials("Cleo Client"), "CC");
  assert.equal(initials("  ann  "), "A");
  assert.equal(initials("Ann Beth Carr"), "AB");
  assert.equal(initials(""), "?");
  assert.equal(sentence("the room is not open now"), "The room is not open now.");
  assert.equal(sentence("Done!"), "Done!");
  assert.equal(sentence(undefined), "");
});

test("linkParts makes http(s) links only, without the sentence's punctuation", () => {
  assert.deepEqual(linkParts("See https://example.com/notes?id=7."), [
    { text: "See " },
    { text: "https://example.com/notes?id=7", href: "https://example.com/notes?id=7" },
    { text: "." },
  ]);
  assert.deepEqual(linkParts("(https://en.wikipedia.org/wiki/Foo_(bar))"), [
    { text: "(" },
    { text: "https://en.wikipedia.org/wiki/Foo_(bar)", href: "https://en.wikipedia.org/wiki/Foo_(bar)" },
    { text: ")" },
  ]);
  assert.deepEqual(linkParts("javascript:alert(1) and ftp://x"), [{ text: "javascript:alert(1) and ftp://x" }]);
  assert.deepEqual(linkParts("<b>html</b>"), [{ text: "<b>html</b>" }]);
  assert.deepEqual(linkParts(""), []);
});

test("before orders messages by session, then sequence", () => {
  assert.ok(before([1, 5], [1, 6]));
  assert.ok(before([1, 9], [2, 1]));
  assert.ok(!before([2, 1], [2, 1]));
  assert.ok(!before([2, 1], [1, 9]));
});

test("absentStatus says why someone is not in the room", () => {
  const away = { reason: "not_yet", online: false };
  assert.equal(absentStatus({ isMe: true, state: "connecting", final: false, away }), "Joining…");
  assert.equal(absentStatus({ isMe: true, state: "left", final: true, away }), "Left");
  assert.equal(absentStatus({ isMe: true, state: "replaced", final: true, away }), "Not connected");
  assert.equal(absentStatus({ isMe: false, state: "open", final: false, away }), "Not here yet");
  assert.equal(absentStatus({ isMe: false, state: "open", final: false, away: { reason: "not_yet", online: true } }), "Not here yet · has Rapport open");
  assert.equal(absentStatus({ isMe: false, state: "open", final: false, away: { reason: "left", online: false } }), "Left the room");
  assert.equal(absentStatus({ isMe: false, state: "open", final: false, away: { reason: "gone", online: false } }), "Connection lost");
  assert.equal(absentStatus({ isMe: false, state: "left", final: true, away: { reason: "", online: false, wasHere: true } }), "Was here when you left");
});

test("stageMessage: what the stage says in each state", () => {
  const base = { state: "open", joinedOnce: true, otherHere: false, otherName: "Cleo", away: { reason: "not_yet", online: true }, ended: "", refusal: "" };
  assert.equal(stageMessage({ ...base, state: "connecting", joinedOnce: false }).title, "Connecting to the room…");
  assert.equal(stageMessage({ ...base, state: "reconnecting", otherHere: true }).title, "");
  const waiting = stageMessage(base);
  assert.equal(waiting.title, "Waiting for Cleo…");
  assert.match(waiting.sub, /has Rapport open/);
  assert.match(stageMessage({ ...base, away: { reason: "gone", online: false } }).sub, /^Cleo lost their connection\./);
  assert.deepEqual(stageMessage({ ...base, otherHere: true }), { title: "", sub: "", actions: false, rejoin: "", signin: false });
  const left = stageMessage({ ...base, state: "left" });
  assert.equal(left.title, "You left the room.");
  assert.equal(left.rejoin, "Rejoin");
  assert.equal(stageMessage({ ...base, state: "replaced" }).rejoin, "Use this tab");
  const ended = stageMessage({ ...base, state: "ended", ended: "Carla ended the session." });
  assert.equal(ended.title, "Carla ended the session.");
  assert.equal(ended.rejoin, "", "nobody rejoins a session the coach ended");
  assert.equal(stageMessage({ ...base, state: "ended" }).rejoin, "Start it again");
  const out = stageMessage({ ...base, state: "signed_out" });
  assert.ok(out.signin && out.actions && out.rejoin === "");
  assert.equal(stageMessage({ ...base, state: "closed", refusal: "Not now." }).sub, "Not now.");
});

test("featured: a screen, else whoever speaks, else the other person", () => {
  const me = { userId: 1 };
  const other = { userId: 2 };
  const ai = { userId: 0, speaking: true };
  const screen = { screenOf: true };
  assert.equal(featured([me, other], 1, 2), other);
  assert.equal(featured([me, other, ai], 1, 2), ai);
  assert.equal(featured([me, other, ai, screen], 1, 2), screen);
  assert.equal(featured([me], 1, 2), me);
  assert.equal(featured([{ userId: 1, speaking: true }, other], 1, 2), other, "one's own voice does not feature oneself");
});

test("the words of the connection: plain first, technical under Connection details", () => {
  assert.equal(connectionWords("open"), "Connected");
  assert.equal(connectionWords("reconnecting"), "Reconnecting");
  assert.match(transportWords("longpoll"), /long polling/);
  assert.match(transportWords("websocket"), /WebSocket/);
  assert.deepEqual(pathHow("sfu-udp"), [" directly", " (UDP)"]);
  assert.deepEqual(pathHow("turn-tcp"), ["", " through a relay (turn-tcp)"]);
  assert.deepEqual(pathHow("p2p"), ["", ""]);
  assert.match(pathWords("p2p"), /directly between the two browsers/);
  assert.match(pathWords("turn-tls"), /TURN relay \(TLS\)/);
});

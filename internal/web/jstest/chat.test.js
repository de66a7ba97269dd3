import { test } from "node:test";
import assert from "node:assert/strict";
import { insertAt, messageClass, senderLabel } from "../static/room/chatlog.js";
import { typingText } from "../static/room/typing.js";
import { MAX_BODY, askingAI, length, newClientId } from "../static/room/composer.js";
import { failReason } from "../static/room/chat.js";
import { errorText } from "../static/room/dom.js";

test("insertAt: after every message not after it, searched from the end", () => {
  const order = [[1, 1], [1, 2], [1, 5], [2, 1]].map((key) => ({ key }));
  assert.equal(insertAt(order, [2, 2]), 4, "a live message goes last");
  assert.equal(insertAt(order, [1, 3]), 2);
  assert.equal(insertAt(order, [1, 0]), 0);
  assert.equal(insertAt(order, [1, 5]), 3, "an equal key goes after");
  assert.equal(insertAt([], [1, 1]), 0);
});

test("messageClass and senderLabel: whose a message is, in the log's words", () => {
  const text = { id: 1, session_id: 1, seq: 1, kind: "text", body: "hi", created_at: "", sender_id: 7 };
  assert.equal(messageClass(text, true), "msg msg-mine");
  assert.equal(messageClass(text, false), "msg msg-theirs");
  assert.equal(messageClass({ ...text, kind: "ai" }, false), "msg msg-ai");
  assert.equal(messageClass({ ...text, kind: "system" }, false), "msg msg-system");
  const nameOf = (id) => (id === 7 ? "Cleo" : "");
  assert.equal(senderLabel(text, true, nameOf), "You");
  assert.equal(senderLabel(text, false, nameOf), "Cleo");
  assert.equal(senderLabel({ ...text, sender_name: "Cleo Client" }, false, nameOf), "Cleo Client", "the name stored with the message first");
  assert.equal(senderLabel({ ...text, kind: "system", sender_id: undefined }, false, nameOf), "Rapport");
  assert.equal(senderLabel({ ...text, sender_id: 9 }, false, nameOf), "Someone");
});

test("typingText says who is typing", () => {
  assert.equal(typingText([]), "");
  assert.equal(typingText(["Cleo"]), "Cleo is typing…");
  assert.equal(typingText(["Cleo", "Carla"]), "Cleo and Carla are typing…");
});

test("askingAI puts @ai in front of what does not ask the AI yet", () => {
  assert.equal(askingAI("what next?"), "@ai what next?");
  assert.equal(askingAI(""), "@ai ");
  assert.equal(askingAI("@ai what next?"), "@ai what next?");
  assert.equal(askingAI("so, @AI: what next?"), "so, @AI: what next?");
  assert.equal(askingAI("mail me@ai.example"), "@ai mail me@ai.example", "an address is no mention");
  assert.equal(askingAI("@aim high"), "@ai @aim high");
});

test("length counts characters as the server does; MAX_BODY of them", () => {
  assert.equal(length("héllo"), 5);
  assert.equal(length("👍👍"), 2, "an emoji is one character, not two UTF-16 units");
  assert.equal(MAX_BODY, 4000);
});

test("newClientId: c- and 32 hex digits, a new one each time", () => {
  const a = newClientId();
  assert.match(a, /^c-[0-9a-f]{32}$/);
  assert.notEqual(newClientId(), a);
});

test("failReason and errorText: why something failed, in words", () => {
  assert.equal(failReason({ message: "invalid", fields: { body: "is too long" } }), "the message is too long");
  assert.equal(failReason({ message: "slow down" }), "slow down");
  assert.equal(errorText(new Error("not allowed"), "try again"), "not allowed");
  assert.equal(errorText(new Error(""), "try again"), "try again");
  assert.equal(errorText("a string", "try again"), "try again");
});

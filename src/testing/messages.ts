/** Messages: addMessage shape and idempotent ids, getMessages/getMessageCount, maxMessages. */
import assert from "node:assert/strict";
import { type Message, WrongTypeError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith } from "./helpers.js";

/** Redis supplies timestamps from its own clock; on this host it agrees with ours within a few seconds. */
const CLOCK_SLACK_MS = 5_000;

function assertMessageShape(m: Message): void {
  assert.deepEqual(Object.keys(m).sort(), ["content", "id", "metadata", "role", "timestamp"]);
  assert.equal(typeof m.id, "string");
  assert.ok(m.id.length > 0, "message id is non-empty");
  assert.equal(typeof m.role, "string");
  assert.equal(typeof m.content, "string");
  assert.equal(typeof m.timestamp, "number");
  assert.ok(Number.isInteger(m.timestamp), "timestamp is integer milliseconds");
  assert.equal(typeof m.metadata, "object");
  assert.ok(m.metadata !== null && !Array.isArray(m.metadata));
}

export function messagesTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("addMessage", () => {
    it("returns the stored Message with role, content, metadata and a timestamp in ms", async () => {
      const memory = t.newManager().getMemory(freshId());
      const before = Date.now();
      const m = await memory.addMessage("user", "hi", { channel: "sms", n: [1, { x: null }] });
      const after = Date.now();
      assertMessageShape(m);
      assert.equal(m.role, "user");
      assert.equal(m.content, "hi");
      assert.deepEqual(m.metadata, { channel: "sms", n: [1, { x: null }] });
      assert.ok(m.timestamp >= before - CLOCK_SLACK_MS, `timestamp ${m.timestamp} is in ms near ${before}`);
      assert.ok(m.timestamp <= after + CLOCK_SLACK_MS, `timestamp ${m.timestamp} is in ms near ${after}`);
      assert.deepEqual(await memory.getMessages(), [m]);
    });

    it("metadata defaults to {}", async () => {
      const memory = t.newManager().getMemory(freshId());
      const m = await memory.addMessage("assistant", "hello");
      assertMessageShape(m);
      assert.deepEqual(m.metadata, {});
      assert.deepEqual(await memory.getMessages(), [m]);
    });

    it("assigns a fresh unique id by default", async () => {
      const memory = t.newManager().getMemory(freshId());
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add((await memory.addMessage("user", "same text")).id);
      assert.equal(ids.size, 20);
      assert.equal(await memory.getMessageCount(), 20);
    });

    it("uses the given id", async () => {
      const memory = t.newManager().getMemory(freshId());
      const m = await memory.addMessage("user", "hi", {}, { id: "sms-4711" });
      assert.equal(m.id, "sms-4711");
      const [stored] = await memory.getMessages();
      assert.equal(stored?.id, "sms-4711");
    });

    it("timestamps do not go backwards", async () => {
      const memory = t.newManager().getMemory(freshId());
      const a = await memory.addMessage("user", "1");
      const b = await memory.addMessage("user", "2");
      const c = await memory.addMessage("user", "3");
      assert.ok(a.timestamp <= b.timestamp && b.timestamp <= c.timestamp);
    });

    it("keeps content exactly (unicode, empty, long)", async () => {
      const memory = t.newManager().getMemory(freshId());
      const contents = ["", 'héllo 😀 \u0000 "q" \\', "x".repeat(50_000), "a\uD800b"];
      for (const c of contents) await memory.addMessage("user", c);
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.content),
        contents,
      );
    });
  });

  describe("idempotent message ids", () => {
    it("a retry with the same id returns the stored message and adds nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      const first = await memory.addMessage("user", "hi", { try: 1 }, { id: "sms-4711" });
      await memory.addMessage("assistant", "reply");
      const retry = await memory.addMessage("user", "hi (redelivered)", { try: 2 }, { id: "sms-4711" });
      assert.deepEqual(retry, first);
      assert.equal(await memory.getMessageCount(), 2);
      const messages = await memory.getMessages();
      assert.deepEqual(messages[0], first);
      assert.equal(messages[1]?.content, "reply");
    });

    it("concurrent adds with the same id store one message", async () => {
      const manager1 = t.newManager();
      const manager2 = t.newManager();
      const id = freshId();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? manager1 : manager2)
            .getMemory(id)
            .addMessage("user", `attempt ${i}`, {}, { id: "dup" }),
        ),
      );
      const memory = manager1.getMemory(id);
      assert.equal(await memory.getMessageCount(), 1);
      const [stored] = await memory.getMessages();
      assert.ok(stored !== undefined);
      for (const r of results) assert.deepEqual(r, stored, "every racer sees the one stored message");
    });

    it("ids are per conversation", async () => {
      const manager = t.newManager();
      const a = manager.getMemory(freshId());
      const b = manager.getMemory(freshId());
      await a.addMessage("user", "in a", {}, { id: "m1" });
      const inB = await b.addMessage("user", "in b", {}, { id: "m1" });
      assert.equal(inB.content, "in b");
      assert.equal(await b.getMessageCount(), 1);
      assert.equal(await a.getMessageCount(), 1);
    });
  });

  describe("getMessages / getMessageCount", () => {
    it("getMessages() returns all messages oldest first", async () => {
      const memory = t.newManager().getMemory(freshId());
      const added: Message[] = [];
      for (let i = 0; i < 7; i++) added.push(await memory.addMessage(i % 2 ? "assistant" : "user", `m${i}`));
      assert.deepEqual(await memory.getMessages(), added);
      assert.equal(await memory.getMessageCount(), 7);
    });

    it("getMessages({ limit }) returns the newest N, oldest first", async () => {
      const memory = t.newManager().getMemory(freshId());
      for (let i = 0; i < 12; i++) await memory.addMessage("user", `m${i}`);
      const contents = async (limit: number): Promise<string[]> =>
        (await memory.getMessages({ limit })).map((m) => m.content);
      assert.deepEqual(await contents(3), ["m9", "m10", "m11"]);
      assert.deepEqual(await contents(1), ["m11"]);
      assert.deepEqual(
        await contents(12),
        Array.from({ length: 12 }, (_, i) => `m${i}`),
      );
      assert.deepEqual(
        await contents(100),
        Array.from({ length: 12 }, (_, i) => `m${i}`),
      );
    });

    it("an empty conversation has no messages", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.deepEqual(await memory.getMessages(), []);
      assert.deepEqual(await memory.getMessages({ limit: 5 }), []);
      assert.equal(await memory.getMessageCount(), 0);
      assert.deepEqual(await memory.keys(), [], "reading messages creates nothing");
    });

    it("messages live in the list field `messages`", async () => {
      const memory = t.newManager().getMemory(freshId());
      const a = await memory.addMessage("user", "a");
      const b = await memory.addMessage("assistant", "b");
      assert.deepEqual(await memory.keys(), ["messages"]);
      assert.equal(await memory.listLength("messages"), 2);
      assert.deepEqual(await memory.getList("messages"), [a, b]);
      assert.deepEqual(await memory.get("messages"), [a, b]);
    });
  });

  describe("maxMessages", () => {
    it("per call: keeps only the newest messages", async () => {
      const memory = t.newManager().getMemory(freshId());
      for (let i = 0; i < 6; i++) await memory.addMessage("user", `m${i}`, {}, { maxMessages: 3 });
      assert.equal(await memory.getMessageCount(), 3);
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.content),
        ["m3", "m4", "m5"],
      );
    });

    it("manager option: keeps only the newest messages", async () => {
      const memory = t.newManager({ maxMessages: 2 }).getMemory(freshId());
      for (let i = 0; i < 5; i++) await memory.addMessage("user", `m${i}`);
      assert.equal(await memory.getMessageCount(), 2);
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.content),
        ["m3", "m4"],
      );
    });

    it("the per-call value overrides the manager's", async () => {
      const memory = t.newManager({ maxMessages: 2 }).getMemory(freshId());
      for (let i = 0; i < 6; i++) await memory.addMessage("user", `m${i}`, {}, { maxMessages: 4 });
      assert.equal(await memory.getMessageCount(), 4);
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.content),
        ["m2", "m3", "m4", "m5"],
      );
    });

    it("a dropped message's id may be added again; a kept one's may not", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.addMessage("user", "one", {}, { id: "m1", maxMessages: 2 });
      await memory.addMessage("user", "two", {}, { id: "m2", maxMessages: 2 });
      await memory.addMessage("user", "three", {}, { id: "m3", maxMessages: 2 });
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.id),
        ["m2", "m3"],
      );
      const kept = await memory.addMessage("user", "three again", {}, { id: "m3", maxMessages: 2 });
      assert.equal(kept.content, "three");
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.id),
        ["m2", "m3"],
      );
      const readded = await memory.addMessage("user", "one again", {}, { id: "m1", maxMessages: 2 });
      assert.equal(readded.content, "one again");
      assert.deepEqual(
        (await memory.getMessages()).map((m) => m.content),
        ["three", "one again"],
      );
      assert.equal(await memory.getMessageCount(), 2);
    });
  });

  describe("addMessage on a non-list `messages`", () => {
    for (const [kind, value] of Object.entries({ string: "oops", object: { a: 1 }, number: 3, nil: null })) {
      it(`throws WrongTypeError when messages holds a ${kind}, changing nothing`, async () => {
        const memory = t.newManager().getMemory(freshId());
        await memory.set("messages", bad(value));
        await rejectsWith(memory.addMessage("user", "hi"), WrongTypeError);
        await rejectsWith(memory.addMessage("user", "hi", {}, { id: "x", maxMessages: 1 }), WrongTypeError);
        assert.deepEqual(await memory.get("messages"), value);
      });
    }
  });
}

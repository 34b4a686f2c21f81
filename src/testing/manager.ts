/** The manager: getMemory, clearAll, cleanupConversation, getMemorySize. */
import assert from "node:assert/strict";
import { ClosedError, ConversationMemory, ValidationError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith, sortedItems, sortedKeys, throwsWith } from "./helpers.js";

/** What getMemorySize counts for a value: the UTF-8 bytes of its encoded JSON. */
function encodedBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

export function managerTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("close", () => {
    it("after close(), every call rejects with ClosedError and getMemory() throws it", async () => {
      const writer = t.newManager();
      const id = freshId();
      await writer.getMemory(id).set("x", 1);
      const manager = t.newManager();
      const memory = manager.getMemory(id);
      await manager.close();
      await manager.close(); // idempotent
      throwsWith(() => manager.getMemory(freshId()), ClosedError);
      const calls: Array<Promise<unknown>> = [
        memory.get("x"),
        memory.require("x"),
        memory.set("x", 2),
        memory.update({ x: 2 }),
        memory.has("x"),
        memory.delete("x"),
        memory.keys(),
        memory.items(),
        memory.incr("n"),
        memory.modify("x", (v) => v),
        memory.append("l", 1),
        memory.extend("l", [1]),
        memory.pop("l"),
        memory.insert("l", 0, 1),
        memory.remove("l", 1),
        memory.getList("l"),
        memory.listLength("l"),
        memory.addMessage("user", "hi"),
        memory.getMessages(),
        memory.getMessageCount(),
        memory.setTtl(60),
        memory.getTtl(),
        memory.clearAll(),
        memory.getMemorySize(),
        manager.cleanupConversation(id),
        manager.getStats(),
        manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }),
        manager.conversations().next(),
      ];
      for (const call of calls) await rejectsWith(call, ClosedError);
      // Argument checks still come first: a careless call is a ValidationError even then.
      await rejectsWith(memory.set("x", 1, bad(60)), ValidationError);
      assert.equal(await writer.getMemory(id).get("x"), 1, "nothing changed");
    });
  });

  describe("getMemory", () => {
    it("returns a ConversationMemory synchronously, with conversationId set", () => {
      const manager = t.newManager();
      const id = freshId();
      const memory = manager.getMemory(id);
      assert.ok(memory instanceof ConversationMemory);
      assert.equal(typeof (memory as unknown as { then?: unknown }).then, "undefined", "not a promise");
      assert.equal(memory.conversationId, id);
    });

    it("memories for the same id, from any manager on the same store, see the same data", async () => {
      const id = freshId();
      const m1 = t.newManager();
      const m2 = t.newManager();
      await m1.getMemory(id).set("a", { v: 1 });
      await m2.getMemory(id).append("l", "x");
      assert.deepEqual(await m1.getMemory(id).getList("l"), ["x"]);
      assert.deepEqual(await m2.getMemory(id).get("a"), { v: 1 });
      assert.deepEqual(sortedKeys(await m1.getMemory(id).keys()), ["a", "l"]);
    });

    it("conversations are independent", async () => {
      const manager = t.newManager();
      const a = manager.getMemory(freshId());
      const b = manager.getMemory(freshId());
      await a.set("x", "in a");
      assert.equal(await b.get("x"), undefined);
      assert.deepEqual(await b.keys(), []);
      await b.set("x", "in b");
      assert.equal(await a.get("x"), "in a");
    });

    it("keyPrefix namespaces conversations on the same store", async () => {
      const id = freshId();
      const p1 = t.newManager({ keyPrefix: `p1${freshId("ns")}` }).getMemory(id);
      const p2 = t.newManager({ keyPrefix: `p2${freshId("ns")}` }).getMemory(id);
      const dflt = t.newManager().getMemory(id);
      await p1.set("x", 1);
      await p2.set("x", 2);
      assert.equal(await p1.get("x"), 1);
      assert.equal(await p2.get("x"), 2);
      assert.equal(await dflt.has("x"), false);
      assert.equal(await p1.clearAll(), 1);
      assert.equal(await p2.get("x"), 2);
    });
  });

  describe("clearAll", () => {
    it("removes every field and returns how many", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("a", 1);
      await memory.extend("l", [1, 2, 3]);
      await memory.set("e", []);
      await memory.incr("c");
      await memory.addMessage("user", "hi");
      await memory.set("pinned", "p", { ttl: 1000 });
      assert.equal(await memory.clearAll(), 6);
      assert.deepEqual(await memory.keys(), []);
      assert.deepEqual(await memory.items(), []);
      assert.equal(await memory.get("a"), undefined);
      assert.equal(await memory.listLength("l"), 0);
      assert.equal(await memory.getMessageCount(), 0);
      assert.equal(await memory.getTtl(), undefined);
    });

    it("returns 0 for an empty conversation", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.clearAll(), 0);
    });

    it("forgets message ids with the messages", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.addMessage("user", "old", {}, { id: "m1" });
      await memory.clearAll();
      const again = await memory.addMessage("user", "new", {}, { id: "m1" });
      assert.equal(again.content, "new");
      assert.equal(await memory.getMessageCount(), 1);
    });

    it("the conversation is usable again afterwards", async () => {
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(freshId());
      await memory.extend("l", [1, 2]);
      await memory.clearAll();
      assert.equal(await memory.append("l", 3), 1);
      assert.deepEqual(await memory.items(), [["l", [3]]]);
      const ttl = await memory.getTtl();
      assert.ok(typeof ttl === "number" && ttl > 90 && ttl <= 100);
    });
  });

  describe("cleanupConversation", () => {
    it("removes every field and returns how many", async () => {
      const manager = t.newManager();
      const id = freshId();
      const memory = manager.getMemory(id);
      await memory.set("a", 1);
      await memory.append("l", 1);
      await memory.addMessage("user", "hi", {}, { id: "m1" });
      const other = manager.getMemory(freshId());
      await other.set("a", "other");
      assert.equal(await manager.cleanupConversation(id), 3);
      assert.deepEqual(await memory.keys(), []);
      assert.equal(await memory.getTtl(), undefined);
      assert.equal(await other.get("a"), "other", "other conversations are untouched");
      assert.equal(await manager.cleanupConversation(id), 0);
      const again = await memory.addMessage("user", "again", {}, { id: "m1" });
      assert.equal(again.content, "again", "message ids are forgotten too");
    });

    it("returns 0 for a conversation that never existed", async () => {
      assert.equal(await t.newManager().cleanupConversation(freshId()), 0);
    });

    it("works from a different manager than the writer", async () => {
      const id = freshId();
      await t.newManager().getMemory(id).update({ a: 1, b: 2 });
      assert.equal(await t.newManager().cleanupConversation(id), 2);
      assert.deepEqual(await t.newManager().getMemory(id).keys(), []);
    });
  });

  describe("getMemorySize", () => {
    it("reports each field's encoded UTF-8 bytes, lists as the sum of their elements", async () => {
      const id = freshId();
      const memory = t.newManager().getMemory(id);
      const values: Record<string, unknown> = {
        obj: { x: 1, name: "é😀" },
        str: "héllo",
        num: 12345,
        nil: null,
        esc: 'quote " backslash \\ nl \n',
      };
      for (const [f, v] of Object.entries(values)) await memory.set(f, v as never);
      const list = [1, "ab", { k: ["é"] }];
      await memory.extend("list", list);
      await memory.set("empty", []);
      const expected: Record<string, number> = {};
      for (const [f, v] of Object.entries(values)) expected[f] = encodedBytes(v);
      expected.list = list.reduce((sum: number, el) => sum + encodedBytes(el), 0);
      expected.empty = 0;
      const size = await memory.getMemorySize();
      assert.equal(size.conversationId, id);
      assert.equal(size.totalFields, 7);
      assert.deepEqual(size.fields, expected);
      assert.equal(
        size.totalSizeBytes,
        Object.values(expected).reduce((a, b) => a + b, 0),
      );
    });

    it("counts a counter, messages and a list after pops correctly", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.incr("c", 1000);
      const m = await memory.addMessage("user", "hi");
      await memory.extend("l", ["aaaa", "b", "cc"]);
      await memory.pop("l", 0);
      const size = await memory.getMemorySize();
      assert.deepEqual(size.fields, {
        c: encodedBytes(1000),
        messages: encodedBytes(m),
        l: encodedBytes("b") + encodedBytes("cc"),
      });
      assert.equal(size.totalFields, 3);
      assert.equal(size.totalSizeBytes, 4 + encodedBytes(m) + 7);
    });

    it("is empty for a conversation that does not exist", async () => {
      const id = freshId();
      const size = await t.newManager().getMemory(id).getMemorySize();
      assert.deepEqual(size, { conversationId: id, totalFields: 0, totalSizeBytes: 0, fields: {} });
    });

    it("agrees with items()", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.update({ a: "x".repeat(1000), b: { deep: [1, 2, 3] } });
      await memory.extend(
        "l",
        Array.from({ length: 50 }, (_, i) => ({ i })),
      );
      const size = await memory.getMemorySize();
      const items = sortedItems(await memory.items());
      assert.deepEqual(
        sortedKeys(Object.keys(size.fields)),
        items.map(([f]) => f),
      );
      for (const [field, value] of items) {
        const expected = Array.isArray(value)
          ? value.reduce((sum: number, el: unknown) => sum + encodedBytes(el), 0)
          : encodedBytes(value);
        assert.equal(size.fields[field], expected, field);
      }
    });
  });
}

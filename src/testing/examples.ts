/**
 * The code examples of API.md, run as written. Only the backend selection (`redis` URL /
 * `store`) comes from the target; everything else is copied from the document.
 */
import assert from "node:assert/strict";
import { FieldNotFoundError, type Message } from "../index.js";
import type { ContractContext } from "./contract.js";
import { freshId, rejectsWith, sortedKeys } from "./helpers.js";

export function examplesTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("API.md examples", () => {
    it("ConversationMemory: conversation history block", async () => {
      const manager = t.newManager();
      const memory = manager.getMemory(freshId());

      const first: Message = await memory.addMessage("user", "hi", { channel: "sms" }); // -> Message
      const second: Message = await memory.addMessage("user", "hi", {}, { id: "sms-4711" }); // idempotent: a retry with the same id adds nothing
      const retry: Message = await memory.addMessage("user", "hi", {}, { id: "sms-4711" });
      const last10: Message[] = await memory.getMessages({ limit: 10 }); // last 10, oldest first
      const all: Message[] = await memory.getMessages(); // all
      const count: number = await memory.getMessageCount();

      assert.equal(first.role, "user");
      assert.equal(first.content, "hi");
      assert.deepEqual(first.metadata, { channel: "sms" });
      assert.equal(typeof first.id, "string");
      assert.equal(typeof first.timestamp, "number");
      assert.equal(second.id, "sms-4711");
      assert.deepEqual(retry, second);
      assert.deepEqual(last10, [first, second]);
      assert.deepEqual(all, [first, second]);
      assert.equal(count, 2);
    });

    it("ConversationMemory: dict operations table", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.get("prefs"), undefined);
      assert.equal(await memory.get("prefs", "fallback"), "fallback");
      await rejectsWith(memory.require("prefs"), FieldNotFoundError);
      assert.equal(await memory.set("prefs", { theme: "dark" }), undefined);
      assert.equal(await memory.set("session", "s1", { ttl: 60 }), undefined);
      assert.equal(await memory.update({ a: 1, b: [1, 2] }), undefined);
      assert.deepEqual(await memory.require("prefs"), { theme: "dark" });
      assert.equal(await memory.has("prefs"), true);
      assert.equal(await memory.delete("session"), true);
      assert.deepEqual(sortedKeys(await memory.keys()), ["a", "b", "prefs"]);
      assert.equal((await memory.items()).length, 3);
      assert.equal(await memory.incr("visits"), 1);
      assert.equal(await memory.incr("visits", 5), 6);
      assert.equal(await memory.modify("a", (v: unknown) => (typeof v === "number" ? v + 1 : 0)), 2);
      assert.deepEqual(
        await memory.modify("tags", (v: unknown) => [...(v as string[]), "new"], { fallback: [] }),
        ["new"],
      );
    });

    it("ConversationMemory: lists table", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.append("events", "e1"), 1);
      assert.equal(await memory.append("events", "e2", { maxLength: 100 }), 2);
      assert.equal(await memory.extend("events", ["e3", "e4"]), 4);
      assert.equal(await memory.extend("events", ["e5"], { maxLength: 4 }), 4);
      assert.equal(await memory.pop("events"), "e5");
      assert.equal(await memory.pop("events", 0), "e2");
      assert.equal(await memory.insert("events", 1, "ins"), 3);
      assert.equal(await memory.remove("events", "ins"), true);
      assert.deepEqual(await memory.getList("events"), ["e3", "e4"]);
      assert.deepEqual(await memory.getList("events", { start: 1 }), ["e4"]);
      assert.deepEqual(await memory.getList("events", { start: 0, end: -1 }), ["e3"]);
      assert.equal(await memory.listLength("events"), 2);
      assert.deepEqual(await memory.getList("missing"), []);
      await memory.set("f", []);
      assert.deepEqual(await memory.get("f"), []);
      assert.equal(await memory.has("f"), true);
    });

    it("ConversationMemory: utilities table", async () => {
      const id = freshId();
      const memory = t.newManager().getMemory(id);
      assert.equal(memory.conversationId, id);
      assert.equal(await memory.getTtl(), undefined);
      await memory.set("a", "x");
      assert.equal(await memory.setTtl(120), undefined);
      const ttl = await memory.getTtl();
      assert.ok(typeof ttl === "number" && ttl > 110 && ttl <= 120);
      await memory.setTtl(null);
      assert.equal(await memory.getTtl(), null);
      assert.deepEqual(await memory.getMemorySize(), {
        conversationId: id,
        totalFields: 1,
        totalSizeBytes: 3,
        fields: { a: 3 },
      });
      assert.equal(await memory.clearAll(), 1);
    });

    it("MemoryManager block", async () => {
      const manager = t.newManager({
        keyPrefix: "memory", // namespace; default "memory"
        defaultTtl: 3600, // seconds; null = conversations never expire
        maxValueBytes: 1_048_576, // larger encoded values -> ValueTooLargeError
        maxMessages: undefined, // cap on the "messages" list (oldest dropped)
        timeoutMs: 5000, // bound on any operation's wait when Redis is unreachable or stalled
      });
      const otherId = freshId();
      await manager.getMemory(otherId).update({ a: 1, b: "two" });

      const memory = manager.getMemory("conv_123"); // cheap, synchronous, no I/O, no unbounded cache
      await memory.set("x", 1);
      await memory.append("l", "y");
      assert.equal(await manager.cleanupConversation("conv_123"), 2); // -> number of fields removed
      assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 86_400 }), 0); // nothing here is a day old
      const stats = await manager.getStats();
      assert.equal(typeof stats.totalConversations, "number");
      assert.ok(stats.totalConversations >= 1);
      const entry = stats.conversations.find((c) => c.conversationId === otherId);
      assert.deepEqual(entry, {
        conversationId: otherId,
        totalFields: 2,
        totalSizeBytes: 1 + 5,
      });
      assert.equal(
        stats.conversations.find((c) => c.conversationId === "conv_123"),
        undefined,
        "a cleaned-up conversation is not listed",
      );
      let streamed: unknown;
      for await (const c of manager.conversations({ batchSize: 500 })) {
        if (c.conversationId === otherId) streamed = c;
      }
      assert.ok(typeof streamed === "object" && streamed !== null);
      const { lastActivity, ...rest } = streamed as { lastActivity: unknown } & Record<string, unknown>;
      assert.deepEqual(rest, { conversationId: otherId, totalFields: 2, totalSizeBytes: 6 });
      assert.equal(typeof lastActivity, "number");
      // API.md does not fix the unit of lastActivity: accept ms or s since the epoch, but it must be recent.
      const activity = lastActivity as number;
      const recent = Math.abs(activity - Date.now()) < 60_000 || Math.abs(activity - Date.now() / 1000) < 60;
      assert.ok(recent, `lastActivity ${activity} is the time of the last write`);
      // manager.close() is awaited for every manager by the target's after() hook.
    });
  });
}

/**
 * The conversation registry through the public API: getStats, conversations(), and
 * cleanupExpiredConversations. Each test uses its own keyPrefix.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ValidationError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, sleep } from "./helpers.js";

const prefix = () => `reg-${randomUUID().slice(0, 8)}`;

export function registryTests(t: ContractContext): void {
  const { describe, it } = t;
  /** Tests that need data to expire and age in real time. */
  const expiryIt: typeof it = t.capabilities.expiry ? it : () => {};
  describe("registry", { concurrency: true }, () => {
    it("getStats and conversations() list every live conversation with its totals", async () => {
      const manager = t.newManager({ keyPrefix: prefix() });
      const before = Date.now();
      await manager.getMemory("a").update({ x: 1, y: "two" }); // 1 + 5 bytes
      await manager.getMemory("b").extend("l", [1, 22, 333]); // 6 bytes
      await manager.getMemory("c{:*}").set("z", null); // 4 bytes
      const after = Date.now();
      const stats = await manager.getStats();
      assert.equal(stats.totalConversations, 3);
      const byId = new Map(stats.conversations.map((c) => [c.conversationId, c]));
      assert.deepEqual(byId.get("a"), { conversationId: "a", totalFields: 2, totalSizeBytes: 6 });
      assert.deepEqual(byId.get("b"), { conversationId: "b", totalFields: 1, totalSizeBytes: 6 });
      assert.deepEqual(byId.get("c{:*}"), { conversationId: "c{:*}", totalFields: 1, totalSizeBytes: 4 });
      const streamed = [];
      for await (const c of manager.conversations({ batchSize: 1 })) streamed.push(c);
      assert.equal(streamed.length, 3);
      for (const c of streamed) {
        assert.ok(
          c.lastActivity >= before - 1000 && c.lastActivity <= after + 1000,
          `lastActivity ${c.lastActivity}`,
        );
      }
    });

    it("conversations() yields each conversation exactly once across batches", async () => {
      const manager = t.newManager({ keyPrefix: prefix() });
      const ids = Array.from({ length: 23 }, (_, i) => `conv-${i}`);
      await Promise.all(ids.map((id) => manager.getMemory(id).set("n", 1)));
      const seen: string[] = [];
      for await (const c of manager.conversations({ batchSize: 5 })) seen.push(c.conversationId);
      assert.deepEqual(seen.sort(), [...ids].sort());
    });

    it("is isolated by keyPrefix", async () => {
      const a = t.newManager({ keyPrefix: prefix() });
      const b = t.newManager({ keyPrefix: prefix() });
      await a.getMemory("same-id").set("x", 1);
      assert.equal((await a.getStats()).totalConversations, 1);
      assert.equal((await b.getStats()).totalConversations, 0);
      assert.equal(await b.getMemory("same-id").get("x"), undefined);
      assert.equal(await b.cleanupExpiredConversations({ maxAgeSeconds: 0 }), 0);
      assert.equal(await a.getMemory("same-id").get("x"), 1);
    });

    it("cleanupConversation and clearAll take a conversation out of the stats", async () => {
      const manager = t.newManager({ keyPrefix: prefix() });
      await manager.getMemory("a").set("x", 1);
      await manager.getMemory("b").set("x", 1);
      assert.equal(await manager.cleanupConversation("a"), 1);
      assert.equal(await manager.getMemory("b").clearAll(), 1);
      assert.equal((await manager.getStats()).totalConversations, 0);
    });

    expiryIt("stats never report conversations that already expired", async () => {
      // 4 s: the first getStats (16,384 buckets; 3 masters on Cluster) must finish before the
      // short conversation expires, also on a busy 2-core machine.
      const manager = t.newManager({ keyPrefix: prefix(), defaultTtl: 4 });
      await manager.getMemory("short").set("x", 1);
      await manager.getMemory("long").set("x", 1, { ttl: 30 });
      assert.equal((await manager.getStats()).totalConversations, 2);
      await sleep(4300);
      const stats = await manager.getStats();
      assert.deepEqual(
        stats.conversations.map((c) => c.conversationId),
        ["long"],
      );
      assert.equal(stats.totalConversations, 1);
    });

    expiryIt(
      "cleanup removes conversations idle longer than maxAgeSeconds and keeps the others",
      async () => {
        const manager = t.newManager({ keyPrefix: prefix() });
        for (const id of ["old-1", "old-2", "old-3"]) await manager.getMemory(id).set("x", 1);
        await sleep(3000);
        for (const id of ["new-1", "new-2"]) await manager.getMemory(id).set("x", 1);
        const progress: Array<{ scanned: number; removed: number }> = [];
        const removed = await manager.cleanupExpiredConversations({
          maxAgeSeconds: 2,
          onProgress: (p) => progress.push({ ...p }),
        });
        assert.equal(removed, 3);
        assert.ok(progress.length > 0);
        assert.equal(progress.at(-1)?.removed, removed, "the last progress call reports the total");
        for (let i = 1; i < progress.length; i++) {
          const [prev, cur] = [progress[i - 1], progress[i]];
          assert.ok(
            prev && cur && cur.removed >= prev.removed && cur.scanned >= prev.scanned,
            "cumulative counts",
          );
        }
        assert.ok((progress.at(-1)?.scanned ?? 0) >= 3);
        assert.equal(await manager.getMemory("old-1").get("x"), undefined);
        assert.equal(await manager.getMemory("new-1").get("x"), 1);
        assert.deepEqual((await manager.getStats()).conversations.map((c) => c.conversationId).sort(), [
          "new-1",
          "new-2",
        ]);
        assert.equal(
          await manager.cleanupExpiredConversations({ maxAgeSeconds: 30 }),
          0,
          "nothing left to remove",
        );
      },
    );

    expiryIt(
      "a conversation written again since it was registered is never removed (last write is re-checked)",
      async () => {
        const manager = t.newManager({ keyPrefix: prefix() });
        const memory = manager.getMemory("busy");
        await memory.set("x", 1); // registered now
        await sleep(2300);
        await memory.set("x", 2); // a later write: the registry may still hold the first time
        assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 2 }), 0);
        assert.equal(await memory.get("x"), 2);
        await sleep(2300);
        assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 2 }), 1, "now it is idle");
        assert.equal(await memory.get("x"), undefined);
      },
    );

    it("maxAgeSeconds 0 removes every conversation; invalid maxAgeSeconds is a ValidationError", async () => {
      const manager = t.newManager({ keyPrefix: prefix() });
      await manager.getMemory("a").set("x", 1);
      await sleep(20);
      await assert.rejects(manager.cleanupExpiredConversations({ maxAgeSeconds: -1 }), ValidationError);
      await assert.rejects(
        manager.cleanupExpiredConversations({ maxAgeSeconds: bad("1h") }),
        ValidationError,
      );
      await assert.rejects(manager.cleanupExpiredConversations(bad(undefined)), ValidationError);
      assert.equal(await manager.getMemory("a").get("x"), 1);
      assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }), 1);
      assert.equal((await manager.getStats()).totalConversations, 0);
    });
  });
}

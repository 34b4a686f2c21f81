/**
 * Redis Sentinel (primary + replica + 3 sentinels): convmem works through the sentinels, by
 * URL and by options, and after the primary is SIGKILLed and the replica promoted it resumes
 * on its own, with every acknowledged write present (the replica was in sync).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createMemoryManager } from "../../src/index.js";
import { MASTER_NAME, rawCommand, type SentinelSetup, startSentinel } from "../helpers/redis-sentinel.js";
import { freshId } from "../helpers/targets.js";

// Bounded, so a stuck failover fails the test instead of holding CI until its own limit.
describe("Sentinel", { timeout: 120_000 }, () => {
  let setup: SentinelSetup;
  before(async () => {
    setup = await startSentinel();
  });
  after(async () => {
    await setup.stop();
  });

  it("works by redis+sentinel:// URL and by options, on the same data", async () => {
    const byUrl = createMemoryManager({ redis: setup.url });
    const byOptions = createMemoryManager({
      redis: { sentinel: { name: MASTER_NAME, sentinelRootNodes: setup.sentinelRootNodes } },
    });
    try {
      const id = freshId();
      const memory = byUrl.getMemory(id);
      await memory.set("prefs", { lang: "en" });
      await memory.addMessage("user", "hi", {}, { id: "m1" });
      await memory.incr("n", 2);
      const other = byOptions.getMemory(id);
      assert.deepEqual(await other.get("prefs"), { lang: "en" });
      assert.equal((await other.addMessage("user", "again", {}, { id: "m1" })).content, "hi", "idempotent");
      assert.equal(await other.incr("n"), 3);
      assert.equal(await other.getMessageCount(), 1);
      const stats = await byOptions.getStats();
      assert.ok(stats.conversations.some((c) => c.conversationId === id));
    } finally {
      await byUrl.close();
      await byOptions.close();
    }
  });

  it("the primary is killed under load; convmem resumes after the promotion and loses no acknowledged write", async () => {
    const manager = createMemoryManager({ redis: setup.url, timeoutMs: 2000 });
    const ids = Array.from({ length: 8 }, () => freshId("sentinel"));
    const acked = new Map<string, number[]>(ids.map((id) => [id, []]));
    let running = true;
    let paused = false;
    let seq = 0;
    let lastOk = 0;
    const workers = ids.map(async (id) => {
      const memory = manager.getMemory(id);
      while (running) {
        if (paused) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const n = seq++;
        try {
          await memory.append("acked", n);
          acked.get(id)?.push(n);
          lastOk = Date.now();
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      // Replication is asynchronous: pause, let the replica catch up, then kill — so that what
      // was acknowledged is on the replica (the durability option covers writes in flight).
      paused = true;
      await new Promise((r) => setTimeout(r, 300));
      const killedAt = Date.now();
      process.kill(setup.primary.pid, "SIGKILL");
      paused = false;
      let promotedAt = 0;
      while (!promotedAt) {
        const role = await rawCommand(setup.replica.port, "ROLE");
        if (role.includes("master")) promotedAt = Date.now();
        else await new Promise((r) => setTimeout(r, 20));
        assert.ok(Date.now() - killedAt < 30_000, "the sentinels promote the replica within 30 s");
      }
      while (lastOk <= promotedAt) {
        await new Promise((r) => setTimeout(r, 10));
        assert.ok(Date.now() - promotedAt < 15_000, "convmem resumes within 15 s of the promotion");
      }
      console.log(
        `sentinel failover: promoted ${promotedAt - killedAt} ms after the kill; resumed ${lastOk - promotedAt} ms after the promotion`,
      );
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      running = false;
      await Promise.all(workers);
    }
    let total = 0;
    for (const id of ids) {
      const stored = new Set((await manager.getMemory(id).getList("acked")) as number[]);
      for (const n of acked.get(id) ?? []) {
        total++;
        // Writes acknowledged after the kill went to the promoted replica; earlier ones were synced by WAIT.
        assert.ok(stored.has(n), `acknowledged append ${n} of ${id} is present`);
      }
    }
    assert.ok(total > 50, `sustained load: ${total} acknowledged writes`);
    await manager.close();
  });
});

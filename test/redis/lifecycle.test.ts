/**
 * Connection lifecycle: unreachable Redis fails fast with StoreUnavailableError (no password
 * in the message), a stalled Redis is bounded by timeoutMs, and close() leaves nothing open.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "redis";
import { createMemoryManager, StoreUnavailableError } from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

const dist = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));

describe("connection lifecycle", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ["--enable-debug-command", "yes"] });
  });
  after(async () => {
    await server.stop();
  });

  it("Redis unreachable at start: StoreUnavailableError within the bound, password never shown", async () => {
    const manager = createMemoryManager({ redis: "redis://alice:s3cr3t-pw@127.0.0.1:1", timeoutMs: 800 });
    const start = Date.now();
    const results = await Promise.allSettled([
      manager.getMemory(freshId()).get("x"),
      manager.getMemory(freshId()).set("x", 1),
    ]);
    const elapsed = Date.now() - start;
    for (const r of results) {
      assert.equal(r.status, "rejected");
      const err = (r as PromiseRejectedResult).reason;
      assert.ok(err instanceof StoreUnavailableError, String(err));
      assert.equal(err.code, "ERR_STORE_UNAVAILABLE");
      assert.doesNotMatch(`${err.message} ${String(err.cause)} ${err.stack}`, /s3cr3t/);
    }
    assert.ok(elapsed < 3000, `rejected after ${elapsed} ms`);
    await manager.close();
  });

  it("a stalled Redis (DEBUG SLEEP) is bounded by timeoutMs, then the manager works again", async () => {
    const manager = createMemoryManager({ redis: server.url, timeoutMs: 300 });
    const memory = manager.getMemory(freshId());
    await memory.set("x", 1);
    const admin = createClient({ url: server.url });
    await admin.connect();
    const sleeping = admin.sendCommand(["DEBUG", "SLEEP", "1.5"]);
    await new Promise((r) => setTimeout(r, 50));
    const start = Date.now();
    await assert.rejects(memory.get("x"), StoreUnavailableError);
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 250 && elapsed < 1200, `rejected after ${elapsed} ms (timeoutMs 300)`);
    await sleeping;
    await admin.close();
    assert.equal(await memory.get("x"), 1);
    await manager.close();
  });

  it("close() leaves no handle open: a process that used convmem exits by itself", async () => {
    const script = `
      import { createMemoryManager, InMemoryStore } from ${JSON.stringify(dist)};
      const m = createMemoryManager({ redis: ${JSON.stringify(server.url)} });
      const mem = m.getMemory("exit-check");
      await mem.set("a", 1); await mem.append("l", 2); await m.getStats();
      await m.close();
      const idle = createMemoryManager({ redis: ${JSON.stringify(server.url)} });
      await idle.close(); // never connected
      const mem2 = createMemoryManager({ store: new InMemoryStore() });
      await mem2.getMemory("x").set("a", 1);
      await mem2.close();
      console.log("closed");
    `;
    const start = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      timeout: 10_000,
    });
    assert.equal(stdout.trim(), "closed");
    assert.ok(Date.now() - start < 10_000);
  });
});

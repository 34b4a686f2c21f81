/**
 * Errors that say what happened, on a real Redis (issue 14): ClosedError after close() (not the
 * transient StoreUnavailableError retry loops spin on), Redis's own answer to a database number
 * it does not have, the hint on a refused default URL, and a BaseAgent that closes the manager
 * it opened so its process can exit.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createConnection } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "redis";
import {
  ClosedError,
  ConvmemError,
  createMemoryManager,
  RedisStore,
  StoreError,
  StoreUnavailableError,
} from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId, rejectsWith } from "../helpers/targets.js";

const dist = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));

/** True when something accepts connections on localhost:6379. */
function defaultPortTaken(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port: 6379 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("errors that say what happened (Redis)", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ["--enable-debug-command", "yes"] });
  });
  after(async () => {
    await server.stop();
  });

  it("a RedisStore used directly: ClosedError after close(), and for calls waiting at close()", async () => {
    const store = new RedisStore({ redis: server.url, timeoutMs: 10_000 });
    const ref = { prefix: "memory", id: freshId(), defaultTtl: null };
    await store.set(ref, "x", { kind: "scalar", raw: "1" }, undefined);
    const admin = createClient({ url: server.url });
    await admin.connect();
    const sleeping = admin.sendCommand(["DEBUG", "SLEEP", "0.5"]);
    await new Promise((r) => setTimeout(r, 50));
    const start = Date.now();
    const waiting = store.get(ref, "x").then(
      () => assert.fail("the waiting call resolved"),
      (err: unknown) => [err, Date.now() - start] as const,
    );
    const closing = store.close();
    const [err, ms] = await waiting;
    await closing;
    assert.ok(err instanceof ClosedError && err.message.includes("may or may not have run"), String(err));
    assert.ok(ms < 300, `the waiting call ended ${ms} ms after close() (Redis was asleep for 500 ms)`);
    await rejectsWith(store.get(ref, "x"), ClosedError);
    await rejectsWith(store.serverTime(), ClosedError);
    await sleeping;
    await admin.close();
    const later = await store.has(ref, "x").catch((e: unknown) => e);
    assert.ok(later instanceof ConvmemError && !(later instanceof StoreUnavailableError), "not retryable");
  });

  it("redis://host:port/99 is reported as Redis's answer (StoreError), at once, not as 'did not answer'", async () => {
    const manager = createMemoryManager({ redis: `${server.url}/99`, timeoutMs: 3000 });
    const start = Date.now();
    for (let i = 0; i < 2; i++) {
      await rejectsWith(manager.getMemory(freshId()).get("x"), StoreError, "ERR DB index is out of range");
    }
    const elapsed = Date.now() - start;
    assert.ok(elapsed < 1000, `rejected after ${elapsed} ms (timeoutMs 3000)`);
    await manager.close();
  });

  it("a refused connection on the default URL hints at the redis option, CONVMEM_REDIS_URL and --url", async () => {
    assert.equal(await defaultPortTaken(), false, "this test needs nothing listening on localhost:6379");
    for (const manager of [
      createMemoryManager({ timeoutMs: 300 }),
      createMemoryManager({ redis: "redis://localhost:6379", timeoutMs: 300 }),
    ]) {
      const err = await manager
        .getMemory(freshId())
        .get("x")
        .catch((e: unknown) => e);
      assert.ok(err instanceof StoreUnavailableError, String(err));
      assert.match(err.message, /ECONNREFUSED/);
      assert.match(err.message, /the default: pass the `redis` option/);
      assert.match(err.message, /CONVMEM_REDIS_URL/);
      assert.match(err.message, /--url/);
      assert.equal(err.message.split("CONVMEM_REDIS_URL").length, 2, "the hint is given once");
      await manager.close();
    }
    const given = createMemoryManager({ redis: "redis://127.0.0.1:1", timeoutMs: 300 });
    const err = await given
      .getMemory(freshId())
      .get("x")
      .catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError);
    assert.doesNotMatch(err.message, /CONVMEM_REDIS_URL/, "no hint when the caller said which Redis");
    await given.close();
  });

  it("BaseAgent.close() closes the manager it opened (the process exits), never an injected one", async () => {
    const script = `
      import { BaseAgent, createMemoryManager } from ${JSON.stringify(dist)};
      class Echo extends BaseAgent {
        async process(env) {
          await this.getMemory(env.conversationId).addMessage("user", "hi", {}, { id: env.messageId });
          return env;
        }
      }
      const own = new Echo({ managerOptions: { redis: ${JSON.stringify(server.url)} } });
      await own.process({ conversationId: "agent-exit", messageId: "m1", payload: {} });
      await own.close();
      let after = "none";
      try { own.getMemory("agent-exit"); } catch (e) { after = e.code; }
      const injected = createMemoryManager({ redis: ${JSON.stringify(server.url)} });
      const borrower = new Echo({ manager: injected });
      await borrower.process({ conversationId: "agent-exit", messageId: "m2", payload: {} });
      await borrower.close();
      const count = await injected.getMemory("agent-exit").getMessageCount();
      await injected.close();
      console.log(JSON.stringify({ after, count }));
    `;
    const start = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      timeout: 10_000,
    });
    assert.deepEqual(JSON.parse(stdout.trim()), { after: "ERR_CLOSED", count: 2 });
    assert.ok(Date.now() - start < 10_000, "the process exited by itself");
  });
});

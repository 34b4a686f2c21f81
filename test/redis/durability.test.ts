/**
 * The durability option on a standalone primary: with a replica, writes resolve once it has
 * them; without one, writes reject with StoreError after the WAIT timeout; reads never wait.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createMemoryManager, StoreError, ValidationError } from "../../src/index.js";
import { rawCommand } from "../helpers/redis-sentinel.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

describe("durability (WAIT)", () => {
  let primary: RedisServer;
  let lonely: RedisServer;
  let replica: RedisServer;
  before(async () => {
    primary = await startRedis();
    lonely = await startRedis();
    replica = await startRedis({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
    for (
      let i = 0;
      !(await rawCommand(replica.port, "INFO replication")).includes("master_link_status:up");
      i++
    ) {
      assert.ok(i < 200, "replica linked");
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    await Promise.all([replica.stop(), primary.stop(), lonely.stop()]);
  });

  it("with a replica, every write resolves and is on the replica", async () => {
    const manager = createMemoryManager({ redis: primary.url, durability: { replicas: 1, timeoutMs: 1000 } });
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.set("a", 1);
    await memory.append("l", "x");
    await memory.addMessage("user", "hi", {}, { id: "m1" });
    assert.equal(await memory.incr("n"), 1);
    await manager.close();
    // Read straight from the replica: the writes are there the moment they were acknowledged.
    const onReplica = createMemoryManager({ redis: replica.url });
    assert.equal(await onReplica.getMemory(id).get("a"), 1);
    assert.deepEqual(await onReplica.getMemory(id).getList("l"), ["x"]);
    assert.equal(await onReplica.getMemory(id).getMessageCount(), 1);
    await onReplica.close();
  });

  it("without enough replicas a write rejects with StoreError within the WAIT timeout; reads do not wait", async () => {
    const manager = createMemoryManager({ redis: lonely.url, durability: { replicas: 1, timeoutMs: 200 } });
    const memory = manager.getMemory(freshId());
    const start = Date.now();
    await assert.rejects(memory.set("a", 1), (err: unknown) => {
      assert.ok(err instanceof StoreError, String(err));
      assert.match(err.message, /reached 0 of 1 replicas within 200 ms/);
      return true;
    });
    assert.ok(Date.now() - start < 2000);
    const readStart = Date.now();
    assert.equal(await memory.get("a"), 1, "the write itself was applied (outcome unknown to the caller)");
    assert.ok(Date.now() - readStart < 150, "reads do not WAIT");
    await manager.close();
  });

  it("rejects invalid durability options", () => {
    assert.throws(
      () => createMemoryManager({ redis: lonely.url, durability: { replicas: 0 } }),
      ValidationError,
    );
    assert.throws(
      () =>
        createMemoryManager({
          redis: lonely.url,
          timeoutMs: 500,
          durability: { replicas: 1, timeoutMs: 500 },
        }),
      ValidationError,
    );
  });
});

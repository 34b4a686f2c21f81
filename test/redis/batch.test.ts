/**
 * Idempotent batches across processes, on a real redis-server: 4 processes apply the same
 * batch under one operationId at the same moment — exactly one applies it, the others see a
 * replay; a later replay from this process changes nothing; a different batch under the id is
 * refused. And the operation-id index expires with the conversation.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager, OperationIdReusedError } from "../../src/index.js";
import { sleep } from "../../src/testing/helpers.js";
import { fixture, runNode } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

describe("batch operationId across processes", () => {
  let server: RedisServer;
  const managers: MemoryManager[] = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await server.stop();
  });

  it("4 processes race one operationId: exactly one applies, the rest replay; a different batch is refused", async () => {
    const keyPrefix = `batch-${randomUUID()}`;
    const conversation = `conv-{${randomUUID()}}`;
    const workers = Array.from({ length: 4 }, (_, proc) =>
      runNode(fixture("batch-worker.mjs"), [
        JSON.stringify({ url: server.url, keyPrefix, conversation, operationId: "pay_1", proc }),
      ]),
    );
    for (const w of workers) assert.equal(await w.nextLine(), "ready");
    for (const w of workers) w.send("go");
    const outcomes: Array<{ replayed?: boolean; error?: string }> = [];
    for (const w of workers) {
      const exit = await w.exit(20_000);
      assert.equal(exit.code, 0, exit.stderr);
      outcomes.push(JSON.parse(exit.stdout.trim().split("\n").pop() as string));
    }
    assert.deepEqual(
      outcomes.filter((o) => o.error !== undefined),
      [],
    );
    assert.equal(outcomes.filter((o) => o.replayed === false).length, 1, JSON.stringify(outcomes));
    const manager = createMemoryManager({ redis: server.url, keyPrefix });
    managers.push(manager);
    const memory = manager.getMemory(conversation);
    assert.deepEqual(await memory.getList("log"), ["applied"]);
    assert.equal(await memory.getMessageCount(), 1);
    const replay = await memory.batch(
      [
        { op: "append", field: "log", value: "applied" },
        { op: "mapSet", field: "payments", key: "pay_1", value: { amount: 12 } },
        { op: "addMessage", role: "assistant", content: "Payment received.", id: "pay_1:msg" },
      ],
      { operationId: "pay_1" },
    );
    assert.equal(replay.replayed, true);
    await assert.rejects(
      memory.batch([{ op: "append", field: "log", value: "other" }], { operationId: "pay_1" }),
      OperationIdReusedError,
    );
    assert.deepEqual(await memory.getList("log"), ["applied"]);
  });

  it("the operation-id index lives as long as the conversation, at most one TTL longer", async () => {
    const keyPrefix = `batch-${randomUUID()}`;
    const manager = createMemoryManager({ redis: server.url, keyPrefix, defaultTtl: 1 });
    managers.push(manager);
    const id = `conv-${randomUUID()}`;
    const memory = manager.getMemory(id);
    await memory.batch([{ op: "set", field: "x", value: 1 }], { operationId: "op" });
    const raw = createClient({ url: server.url });
    await raw.connect();
    try {
      const opsKey = `${keyPrefix}:ops:{${id}}`;
      assert.equal(await raw.exists(opsKey), 1);
      const ttl = await raw.pTTL(opsKey);
      assert.ok(ttl > 0 && ttl <= 2000, `ops key expires with the conversation's keys (pttl ${ttl})`);
      await sleep(1200);
      // Logically expired: the id is forgotten, the batch applies again.
      assert.equal(
        (await memory.batch([{ op: "set", field: "x", value: 1 }], { operationId: "op" })).replayed,
        false,
      );
      await manager.cleanupConversation(id);
      assert.equal(await raw.exists(opsKey), 0, "cleanup removes it");
    } finally {
      await raw.close();
    }
  });
});

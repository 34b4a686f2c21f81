/**
 * Compaction across processes, on a real redis-server: `compactMessages` with a `summarize`
 * that takes ~1 s while 3 child processes add messages (and redeliver some) without pause; a
 * concurrent `updateMessage` of a message being compacted (from another manager) makes it
 * summarize again, or reject with ConflictError, and nothing is lost.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ConflictError, createMemoryManager, type MemoryManager, type Message } from "../../src/index.js";
import { sleep } from "../../src/testing/helpers.js";
import { fixture, runNode } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const WRITERS = 3;
const SEED = 200;
const KEEP = 50;

describe("compactMessages across processes", () => {
  let server: RedisServer;
  const managers: MemoryManager[] = [];
  const open = (keyPrefix: string) => {
    const manager = createMemoryManager({ redis: server.url, keyPrefix });
    managers.push(manager);
    return manager;
  };
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await server.stop();
  });

  it(`a ~1 s summarize while ${WRITERS} processes add messages: summary + every other message, in order`, async (t) => {
    const keyPrefix = `compact-${randomUUID()}`;
    const conversation = `conv-{${randomUUID()}}`;
    const memory = open(keyPrefix).getMemory(conversation);
    await Promise.all(
      Array.from({ length: SEED }, (_, i) => memory.addMessage("user", `seed ${i}`, {}, { id: `s${i}` })),
    );
    const writers = Array.from({ length: WRITERS }, (_, proc) =>
      runNode(fixture("history-writer.mjs"), [
        JSON.stringify({ url: server.url, keyPrefix, conversation, proc }),
      ]),
    );
    for (const w of writers) assert.equal(await w.nextLine(), "ready");
    for (const w of writers) w.send("go");
    await sleep(150);
    let summarized: string[] = [];
    let calls = 0;
    const started = Date.now();
    const result = await memory.compactMessages({
      keepLast: KEEP,
      summarize: async (older) => {
        calls++;
        summarized = older.map((m) => m.id);
        await sleep(1000);
        return { content: `summary of ${older.length}` };
      },
    });
    const took = Date.now() - started;
    await sleep(150);
    for (const w of writers) w.send("stop");
    const reports: Array<{ added: string[]; redelivered: number }> = [];
    for (const w of writers) {
      const exit = await w.exit(30_000);
      assert.equal(exit.code, 0, exit.stderr);
      reports.push(JSON.parse(exit.stdout.trim().split("\n").pop() as string));
    }
    const addedDuring = reports.reduce((n, r) => n + r.added.length, 0);
    t.diagnostic(
      `compacted ${result.compacted} in ${took} ms (${calls} summarize call(s)); writers added ${addedDuring}, redelivered ${reports.reduce((n, r) => n + r.redelivered, 0)}`,
    );
    assert.ok(addedDuring > 3 * WRITERS, "the writers kept writing during the compaction");

    const history = await memory.getMessages();
    const summary = history[0] as Message<string>;
    assert.deepEqual(summary, result.summary);
    assert.equal(result.compacted, summarized.length);
    assert.deepEqual(summary.metadata.summary, {
      count: summarized.length,
      fromId: summarized[0],
      toId: summarized[summarized.length - 1],
    });
    const rest = history.slice(1).map((m) => m.id);
    assert.equal(result.kept <= rest.length, true);
    // Summarized + kept = every message ever added, each once, in the order it was added.
    const all = [...summarized, ...rest];
    assert.equal(new Set(all).size, all.length, "no message duplicated");
    const seeds = Array.from({ length: SEED }, (_, i) => `s${i}`);
    assert.deepEqual(
      all.filter((id) => id.startsWith("s")),
      seeds,
      "every seed message, in order",
    );
    for (const [proc, report] of reports.entries()) {
      assert.deepEqual(
        all.filter((id) => id.startsWith(`w${proc}-`)),
        report.added,
        `writer ${proc}: every message, in order, none twice`,
      );
    }
    assert.equal(all.length, SEED + addedDuring);
    // A redelivered id of a compacted message adds nothing and returns the summary.
    const count = await memory.getMessageCount();
    assert.deepEqual(await memory.addMessage("user", "again", {}, { id: "s0" }), summary);
    assert.equal(await memory.getMessageCount(), count);
  });

  it("an updateMessage of a message being compacted, from another manager: retried or ConflictError, nothing lost", async () => {
    const keyPrefix = `compact-${randomUUID()}`;
    const conversation = `conv-${randomUUID()}`;
    const memory = open(keyPrefix).getMemory(conversation);
    const other = open(keyPrefix).getMemory(conversation);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => memory.addMessage("user", `m ${i}`, {}, { id: `m${i}` })),
    );
    // Once: compaction summarizes again and wins.
    let calls = 0;
    const seen: string[][] = [];
    const result = await memory.compactMessages({
      keepLast: 5,
      summarize: async (older) => {
        seen.push(older.map((m) => m.content));
        if (++calls === 1) await other.updateMessage("m3", { content: "edited elsewhere" });
        await sleep(50);
        return { content: "summary" };
      },
    });
    assert.equal(calls, 2);
    assert.equal(seen[1]?.[3], "edited elsewhere", "the second summary saw the edit");
    assert.equal(result.compacted, 15);
    assert.deepEqual(
      (await memory.getMessages()).slice(1).map((m) => m.id),
      ["m15", "m16", "m17", "m18", "m19"],
    );
    // On every attempt: ConflictError, and the history is as the edits left it.
    const fresh = open(keyPrefix).getMemory(`conv-${randomUUID()}`);
    const editor = open(keyPrefix).getMemory(fresh.conversationId);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => fresh.addMessage("user", `m ${i}`, {}, { id: `m${i}` })),
    );
    let edits = 0;
    await assert.rejects(
      fresh.compactMessages({
        keepLast: 2,
        summarize: async () => {
          await editor.updateMessage("m0", { content: `edit ${++edits}` });
          return { content: "never written" };
        },
      }),
      ConflictError,
    );
    const left = await fresh.getMessages();
    assert.deepEqual(
      left.map((m) => m.id),
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    assert.equal(left[0]?.content, `edit ${edits}`);
    assert.ok(!left.some((m) => m.content === "never written"));
  });
});

/**
 * Multi-process concurrency: 8 worker processes × 500 mixed operations (`incr`, `modify`,
 * `append`, `addMessage` with repeated ids, `update`) on the same three conversations, then
 * the exact final state is checked against what each process was acknowledged:
 *
 * - `incr`: the acknowledged results, sorted, form one chain in which each step adds exactly
 *   that call's amount, ending at the stored counter (so no increment was lost or doubled);
 * - `modify`: each process's own tally counts exactly its acknowledged calls, and each call's
 *   result is a distinct step 1…n;
 * - `append`: the acknowledged lengths are exactly 1…n and element `length - 1` of the final
 *   list is the item that call appended;
 * - `addMessage` with ids drawn from a small shared pool: each id is held exactly once, and
 *   every call (first or redelivered) was answered with the very message that is stored;
 * - `update`: each lane's last acknowledged record is what is stored, both fields of it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createMemoryManager, type Message } from "../../src/index.js";
import { fixture, runNode } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const PROCESSES = 8;
const LANES = 2;
const OPS_PER_LANE = 250;
const MESSAGE_IDS = 120;

interface OpRecord {
  who: string;
  i: number;
  conv: string;
  kind: "incr" | "modify" | "append" | "message" | "update";
  ok: boolean;
  error?: string;
  by?: number;
  item?: string;
  id?: string;
  result: unknown;
}

describe("multi-process concurrency", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it(`${PROCESSES} processes × ${LANES * OPS_PER_LANE} mixed operations: exact final state`, async (t) => {
    const keyPrefix = `mp-${randomUUID()}`;
    const suffix = randomUUID();
    const conversations = [`mp-{a}:${suffix}`, `mp-*?[x]-${suffix}`, `mp plain %7D ${suffix}`];
    const seed = Date.now() % 100_000;
    t.diagnostic(`seed ${seed}`);
    const workers = Array.from({ length: PROCESSES }, (_, proc) =>
      runNode(fixture("mixed-worker.mjs"), [
        JSON.stringify({
          url: server.url,
          keyPrefix,
          conversations,
          proc,
          lanes: LANES,
          opsPerLane: OPS_PER_LANE,
          seed,
          messageIds: MESSAGE_IDS,
        }),
      ]),
    );
    for (const w of workers) assert.equal(await w.nextLine(), "ready");
    for (const w of workers) w.send("go");
    const records: OpRecord[] = [];
    for (const w of workers) {
      const exit = await w.exit(60_000);
      assert.equal(exit.code, 0, `worker failed: ${exit.stderr}`);
      const lines = exit.stdout.trim().split("\n");
      const report = JSON.parse(lines[lines.length - 1] ?? "") as { records: OpRecord[] };
      records.push(...report.records);
    }
    assert.equal(records.length, PROCESSES * LANES * OPS_PER_LANE);
    assert.deepEqual(
      records.filter((r) => !r.ok).map((r) => `${r.kind}: ${r.error}`),
      [],
      "every operation is acknowledged",
    );

    const manager = createMemoryManager({ redis: server.url, keyPrefix });
    try {
      let checked = 0;
      for (const conv of conversations) {
        const memory = manager.getMemory(conv);
        const mine = records.filter((r) => r.conv === conv);
        const of = (kind: OpRecord["kind"]) => mine.filter((r) => r.kind === kind);

        // incr: one exact chain of acknowledged results.
        const incrs = of("incr").sort((a, b) => (a.result as number) - (b.result as number));
        let running = 0;
        for (const r of incrs) {
          running += r.by as number;
          assert.equal(r.result, running, `${r.who} #${r.i}: incr result breaks the chain`);
        }
        assert.equal(await memory.get("counter"), running === 0 ? undefined : running);
        checked += incrs.length;

        // modify: per process, results 1..n, and the stored tally holds exactly n.
        const tally = (await memory.get("tally", {})) as Record<string, number>;
        for (let proc = 0; proc < PROCESSES; proc++) {
          const calls = of("modify").filter((r) => r.who.startsWith(`p${proc}l`));
          const results = calls.map((r) => r.result as number).sort((a, b) => a - b);
          assert.deepEqual(
            results,
            calls.map((_, n) => n + 1),
            `process ${proc}: modify results`,
          );
          assert.equal(tally[proc] ?? 0, calls.length, `process ${proc}: tally`);
          checked += calls.length;
        }

        // append: lengths are exactly 1..n, each at its own position.
        const log = await memory.getList("log");
        const appends = of("append");
        assert.equal(log.length, appends.length, "no append lost or doubled");
        assert.deepEqual(
          appends.map((r) => r.result as number).sort((a, b) => a - b),
          appends.map((_, n) => n + 1),
        );
        for (const r of appends) assert.equal(log[(r.result as number) - 1], r.item, `${r.item} position`);
        checked += appends.length;

        // addMessage: each id once; every call answered with the stored message.
        const stored = await memory.getMessages();
        const byId = new Map(stored.map((m) => [m.id, m]));
        assert.equal(byId.size, stored.length, "message ids are unique in the history");
        const calls = of("message");
        assert.deepEqual([...byId.keys()].sort(), [...new Set(calls.map((r) => r.id as string))].sort());
        for (const r of calls) {
          assert.deepEqual(
            byId.get(r.id as string),
            r.result as Message,
            `${r.who} #${r.i}: message ${r.id}`,
          );
        }
        assert.equal(await memory.getMessageCount(), byId.size);
        checked += calls.length;

        // update: per lane, the last acknowledged record, both fields.
        const lastByLane = new Map<string, number>();
        for (const r of of("update")) lastByLane.set(r.who, Math.max(lastByLane.get(r.who) ?? -1, r.i));
        for (const [who, i] of lastByLane) {
          assert.equal(await memory.get(`u:${who}:a`), i, `${who}: update field a`);
          assert.deepEqual(await memory.get(`u:${who}:b`), { i, who }, `${who}: update field b`);
        }
        checked += of("update").length;
        const expectedFields = [
          "counter",
          "tally",
          "log",
          "messages",
          ...[...lastByLane.keys()].flatMap((w) => [`u:${w}:a`, `u:${w}:b`]),
        ];
        assert.deepEqual(
          (await memory.keys()).sort(),
          expectedFields.filter((f) => f !== "counter" || incrs.length > 0).sort(),
          "no stray fields",
        );
      }
      assert.equal(checked, records.length, "every acknowledged operation was checked");
      t.diagnostic(
        `${records.length} operations from ${PROCESSES} processes, ${checked} acknowledged results checked`,
      );
    } finally {
      await manager.close();
    }
  });
});

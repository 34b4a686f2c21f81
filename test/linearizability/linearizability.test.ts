/**
 * Randomized linearizability check of ConversationMemory (checker.ts, model.ts, generate.ts).
 *
 * - Self-test: hand-made histories, non-linearizable ones rejected (a lost update; a read that a
 *   manager issued after a write in the same `Promise.all` seeing the old value; a value that
 *   outlived its TTL) and linearizable ones accepted, so the checker is not vacuous.
 * - InMemoryStore: generated histories, every client a manager on one shared store in this
 *   process (a sanity check of the model: nothing may be found).
 * - Redis: at least 2,000 generated histories, each with 4 managers on separate connections (2
 *   in this process, 2 in a child process), 20+ calls each on 2–3 shared conversations, run 64
 *   at a time on their own key prefixes. Every acknowledged result and the final state (read
 *   through a fresh manager after all clients are done) must be explained by one linearization
 *   that respects real time and each manager's call order; every conversation key in Redis has
 *   an expiry (unless the history used setTtl(null) / ttl:null) and the message-id index expires
 *   with the history.
 *
 * Long mode: `npm run check:long -- --minutes 10` (long.ts).
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { checkHistory, describeVerdict, type RecordedOp } from "./checker.js";
import { type HistoryResult, runHistories } from "./harness.js";

const REDIS_HISTORIES = 2000;
/** Anomalous histories are written here, for `node build/test/linearizability/long.js --recheck <file>`. */
const DUMP_DIR = join(tmpdir(), "convmem-linearizability");
const MEMORY_HISTORIES = 300;

// ---- self-test ------------------------------------------------------------------------------------

let seqs = new Map<string, number>();

/** One recorded call: `result` is the value (`undefined` allowed), or { err: code }. */
function op(
  client: string,
  op: RecordedOp["op"],
  args: unknown[],
  inv: number,
  resp: number,
  result?: unknown,
  options: { conv?: string; defaultTtl?: number } = {},
): RecordedOp {
  const seq = seqs.get(client) ?? 0;
  seqs.set(client, seq + 1);
  const base = { client, conv: options.conv ?? "c", seq, op, args, defaultTtl: options.defaultTtl ?? 60 };
  const t0 = 1_000_000;
  if (result !== null && typeof result === "object" && "err" in result) {
    const code = (result as { err: string }).err;
    return { ...base, inv: t0 + inv, resp: t0 + resp, ok: false, err: { code, name: code, message: code } };
  }
  return { ...base, inv: t0 + inv, resp: t0 + resp, ok: true, r: result === undefined ? [] : [result] };
}

function history(build: () => RecordedOp[]): RecordedOp[] {
  seqs = new Map();
  return build();
}

function linearizable(h: RecordedOp[]): boolean {
  return checkHistory(h).ok;
}

describe("linearizability checker (self-test)", () => {
  it("rejects a lost update: two concurrent incr both returning 1, final 1", () => {
    const lost = history(() => [
      op("A", "incr", ["n"], 0, 10, 1),
      op("B", "incr", ["n"], 1, 11, 1),
      op("F", "get", ["n"], 20, 21, 1),
    ]);
    assert.equal(linearizable(lost), false);
    const v = checkHistory(lost);
    assert.match(describeVerdict(v), /NOT linearizable[\s\S]*longest linearizable prefix/);
    const fine = history(() => [
      op("A", "incr", ["n"], 0, 10, 2),
      op("B", "incr", ["n"], 1, 11, 1),
      op("F", "get", ["n"], 20, 21, 2),
    ]);
    assert.equal(linearizable(fine), true);
  });

  it("rejects a read issued after a write in the same Promise.all that sees the old value", () => {
    // await m.set("f", 1); await Promise.all([m.delete("f"), m.set("f", 5), m.get("f")]) -> get undefined
    const reordered = history(() => [
      op("A", "set", ["f", 1], 0, 2),
      op("A", "delete", ["f"], 5, 8, true),
      op("A", "set", ["f", 5], 5, 8),
      op("A", "get", ["f"], 5, 8),
    ]);
    assert.equal(linearizable(reordered), false);
    // The same calls from different managers may interleave so.
    const concurrent = history(() => [
      op("A", "set", ["f", 1], 0, 2),
      op("A", "delete", ["f"], 5, 8, true),
      op("B", "set", ["f", 5], 5, 8),
      op("C", "get", ["f"], 5, 8),
    ]);
    assert.equal(linearizable(concurrent), true);
    // Promise.all([delete("messages"), addMessage("user", "new"), getMessages()]) -> []
    const msg = { id: "x1", role: "user", content: "new", timestamp: 1_000_006, metadata: {} };
    const messages = history(() => [
      op("A", "addMessage", ["user", "old", {}], 0, 2, {
        id: "x0",
        role: "user",
        content: "old",
        timestamp: 1_000_001,
        metadata: {},
      }),
      op("A", "delete", ["messages"], 5, 8, true),
      op("A", "addMessage", ["user", "new", {}], 5, 8, msg),
      op("A", "getMessages", [], 5, 8, []),
    ]);
    assert.equal(linearizable(messages), false);
    const ordered = history(() => [
      op("A", "delete", ["messages"], 5, 8, false),
      op("A", "addMessage", ["user", "new", {}], 5, 8, msg),
      op("A", "getMessages", [], 5, 8, [msg]),
    ]);
    assert.equal(linearizable(ordered), true);
  });

  it("models TTLs: expiry, setTtl that sticks, pinned fields, and the tolerance at the deadline", () => {
    const ttl1 = { defaultTtl: 1 };
    const outlived = history(() => [
      op("A", "set", ["a", 1], 0, 1, undefined, ttl1),
      op("B", "get", ["a"], 1500, 1501, 1),
    ]);
    assert.equal(linearizable(outlived), false, "a field read 0.5 s after its deadline");
    for (const seen of [1, undefined]) {
      const edge = history(() => [
        op("A", "set", ["a", 1], 0, 1, undefined, ttl1),
        op("B", "get", ["a"], 1005, 1006, seen),
      ]);
      assert.equal(linearizable(edge), true, "at the deadline either outcome is allowed");
    }
    const renewed = history(() => [
      op("A", "set", ["a", 1], 0, 1, undefined, ttl1),
      op("A", "set", ["b", 2], 800, 801, undefined, ttl1),
      op("B", "get", ["a"], 1500, 1501, undefined),
    ]);
    assert.equal(linearizable(renewed), false, "a write renews every field of the conversation");
    const sticky = history(() => [
      op("A", "setTtl", [3], 0, 1, undefined, ttl1),
      op("B", "set", ["a", 1], 100, 101, undefined, ttl1),
      op("C", "get", ["a"], 2000, 2001, undefined),
    ]);
    assert.equal(linearizable(sticky), false, "setTtl sticks for later writes");
    const pinned = history(() => [
      op("A", "set", ["a", 1, { ttl: 1 }], 0, 1, undefined, { defaultTtl: 3 }),
      op("B", "set", ["b", 2], 900, 901, undefined, { defaultTtl: 3 }),
      op("C", "get", ["a"], 1500, 1501, 1),
    ]);
    assert.equal(linearizable(pinned), false, "writes to other fields don't renew a pinned field");
    const getTtl = history(() => [
      op("A", "set", ["a", 1], 0, 1, undefined, { defaultTtl: 3 }),
      op("B", "getTtl", [], 1200, 1201, 2),
      op("B", "getTtl", [], 1300, 1301, 3),
    ]);
    assert.equal(linearizable(getTtl), false, "getTtl is the remaining seconds, rounded up");
  });

  it("lets an indeterminate call take effect or not, and predicts definite errors", () => {
    for (const [seen, ok] of [
      [1, true],
      [undefined, true],
      [2, false],
    ] as const) {
      const h = history(() => [
        op("A", "incr", ["n"], 0, 3000, { err: "ERR_STORE_UNAVAILABLE" }),
        op("B", "get", ["n"], 3100, 3101, seen),
      ]);
      assert.equal(linearizable(h), ok, `get -> ${seen}`);
    }
    const wrongType = history(() => [
      op("A", "set", ["a", "text"], 0, 1),
      op("A", "append", ["a", 1], 2, 3, { err: "ERR_WRONG_TYPE" }),
      op("A", "get", ["a"], 4, 5, "text"),
    ]);
    assert.equal(linearizable(wrongType), true);
    // getMessages({ limit: 0 }) reads nothing: it may settle before earlier calls took effect.
    const early = history(() => [
      op("A", "append", ["l", 4], 0, 2, 1),
      op("B", "getList", ["l"], 305, 330, []),
      op("B", "getMessages", [{ limit: 0 }], 305, 305, []),
      op("C", "pop", ["l", 0], 318, 318, 4),
    ]);
    assert.equal(linearizable(early), true);
    const missed = history(() => [op("A", "set", ["a", "text"], 0, 1), op("A", "append", ["a", 1], 2, 3, 1)]);
    assert.equal(linearizable(missed), false, "append to a non-list must throw WrongTypeError");
  });
});

// ---- generated histories ------------------------------------------------------------------------

function failureText(failures: readonly HistoryResult[]): string {
  return failures
    .slice(0, 3)
    .map((f) => {
      const text = describeVerdict(f.verdict) || "(report not built)";
      const keys = f.keyProblems.map((p) => `  Redis invariant: ${p}`).join("\n");
      return `history ${f.index} (seed ${f.seed}; ${join(DUMP_DIR, `${f.seed}.json`)}):\n${text}\n${keys}`;
    })
    .join("\n\n");
}

describe("linearizability (InMemoryStore, shared by every client)", () => {
  it(`${MEMORY_HISTORIES} generated histories are linearizable`, async (t) => {
    const seed = Math.floor(Math.random() * 1e9);
    const summary = await runHistories(undefined, {
      histories: MEMORY_HISTORIES,
      concurrency: 100,
      seed,
      dumpDir: DUMP_DIR,
    });
    t.diagnostic(
      `seed ${seed}: ${summary.histories} histories, ${summary.ops} calls checked in ${summary.ms} ms; ` +
        `${summary.failures.length} not linearizable`,
    );
    assert.equal(summary.failures.length, 0, failureText(summary.failures));
  });
});

describe("linearizability (redis-server, 4 managers per history, 2 in a child process)", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it(`${REDIS_HISTORIES} generated histories are linearizable and leave no key without expiry`, async (t) => {
    const seed = Math.floor(Math.random() * 1e9);
    const summary = await runHistories(server.url, {
      histories: REDIS_HISTORIES,
      concurrency: 64,
      seed,
      reports: 3,
      dumpDir: DUMP_DIR,
    });
    const message =
      `seed ${seed}: ${summary.histories} histories, ${summary.ops} calls checked in ` +
      `${(summary.ms / 1000).toFixed(1)} s (checker ${(summary.checkMs / summary.histories).toFixed(1)} ms per history, ` +
      `slowest ${summary.slowestCheckMs.toFixed(0)} ms); ${summary.failures.length} anomalous`;
    t.diagnostic(message);
    console.log(`linearizability: ${message}`);
    if (summary.warnings) t.diagnostic(`child process: ${summary.warnings.trim()}`);
    assert.equal(summary.histories, REDIS_HISTORIES);
    assert.ok(summary.minClients >= 3 && summary.minCallsPerClient >= 20, "3+ clients, 20+ calls each");
    assert.equal(summary.failures.length, 0, failureText(summary.failures));
  });
});

/**
 * Hostile input, thousands of generated cases against a real Redis. Every case either
 * round-trips exactly or raises its typed error and writes nothing, and no input ever touches
 * another conversation:
 *
 * - "writes nothing" is checked with `DEBUG DIGEST` (a hash of the whole dataset) before and
 *   after each rejected call;
 * - "touches nothing else" by deleting the case's conversation afterwards with
 *   `cleanupConversation` and requiring the digest of the whole dataset to be back to what it
 *   was before the case — including the sentinel conversations (with glob, brace and colon ids)
 *   written at the start and never written again.
 *
 * The generators and the contract's rules used as oracles are in hostile-input.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import { createClient } from "redis";
import {
  createMemoryManager,
  type MemoryManager,
  SerializationError,
  ValidationError,
  ValueTooLargeError,
} from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";
import {
  encodedBytes,
  expectedOutcome,
  hostileName,
  hostileString,
  jsonValue,
  MAX_DEPTH,
  poisonedValue,
  sizedString,
  validName,
} from "./hostile-input.js";

const MAX_VALUE_BYTES = 2048;
const RUNS = { names: 3000, crossTalk: 1000, values: 4000 };

type Outcome = "ok" | "serialization" | "too-large" | "validation";

/** Settles `call` and names its outcome; anything but a typed convmem error fails the test. */
async function outcomeOf(call: () => Promise<unknown>): Promise<{ outcome: Outcome; value?: unknown }> {
  try {
    return { outcome: "ok", value: await call() };
  } catch (err) {
    if (err instanceof SerializationError) {
      assert.match(err.path, /^\$/, "a SerializationError names the JSONPath");
      return { outcome: "serialization" };
    }
    if (err instanceof ValueTooLargeError) return { outcome: "too-large" };
    if (err instanceof ValidationError) return { outcome: "validation" };
    assert.fail(`untyped or unexpected error: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

function nested(depth: number, kind: "array" | "object"): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { d: v };
  return v;
}

/** A string whose JSON text is exactly `bytes` UTF-8 bytes, built from `ch` and ASCII padding. */
function stringOfEncodedBytes(bytes: number, ch: string): string {
  const cost = Buffer.byteLength(JSON.stringify(ch)) - 2;
  const n = Math.floor((bytes - 2) / cost);
  return ch.repeat(n) + "a".repeat(bytes - 2 - n * cost);
}

type Memory = ReturnType<MemoryManager["getMemory"]>;

/** A write of the values property: its expected outcome per the contract, the call, and what success leaves. */
interface Write {
  expected(value: unknown): string;
  call(memory: Memory, value: unknown): Promise<unknown>;
  check(memory: Memory, value: unknown, result: unknown): Promise<void>;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
/** `set`, `update` and `modify` store a value (an array as a list); `append` and `insert` one element. */
const asValue = (value: unknown) => expectedOutcome(value, MAX_VALUE_BYTES, true);
const asElement = (value: unknown) => expectedOutcome(value, MAX_VALUE_BYTES, false);

/**
 * Metadata must be a plain object (else ValidationError); the message around it (id, role,
 * content, timestamp) takes < 200 bytes, so near the limit either outcome is right.
 */
function asMetadata(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "validation";
  const poisoned = expectedOutcome(value, Number.POSITIVE_INFINITY, false);
  if (poisoned !== "ok") return poisoned;
  const bytes = encodedBytes(value);
  return bytes > MAX_VALUE_BYTES ? "too-large" : bytes + 200 < MAX_VALUE_BYTES ? "ok" : "either";
}

const WRITES: Record<string, Write> = {
  set: {
    expected: asValue,
    call: (m, v) => m.set("target", v),
    check: async (m, v) => assert.deepStrictEqual(await m.get("target"), v),
  },
  update: {
    expected: asValue,
    call: (m, v) => m.update({ target: v, other: 1 }),
    check: async (m, v) =>
      assert.deepStrictEqual(await m.items(), [
        ["list", ["x"]],
        ["other", 1],
        ["target", v],
      ]),
  },
  modify: {
    expected: asValue,
    call: (m, v) => m.modify("target", () => v),
    check: async (m, v, result) => {
      assert.deepStrictEqual(result, v);
      assert.deepStrictEqual(await m.get("target"), v);
    },
  },
  append: {
    expected: asElement,
    call: (m, v) => m.append("list", v),
    check: async (m, v) => assert.deepStrictEqual(await m.getList("list"), ["x", v]),
  },
  insert: {
    expected: asElement,
    call: (m, v) => m.insert("list", 0, v),
    check: async (m, v) => assert.deepStrictEqual(await m.getList("list"), [v, "x"]),
  },
  extend: {
    expected: (v) => asValue(asArray(v)),
    call: (m, v) => m.extend("list", asArray(v)),
    check: async (m, v) => assert.deepStrictEqual(await m.getList("list"), ["x", ...asArray(v)]),
  },
  addMessage: {
    expected: asMetadata,
    call: (m, v) => m.addMessage("user", "hi", v as Record<string, unknown>),
    check: async (m, v, result) => {
      assert.deepStrictEqual((result as { metadata: unknown }).metadata, v);
      assert.deepStrictEqual((await m.getMessages())[0]?.metadata, v);
    },
  },
};

describe("hostile input", () => {
  let server: RedisServer;
  let admin: ReturnType<typeof createClient>;
  let manager: MemoryManager;
  /** Default maxValueBytes, for names: a 512-byte id of control characters encodes to 3 KiB of JSON. */
  let roomy: MemoryManager;
  let baseline: string;

  let baselineKeys: Map<string, string>;

  const digest = async (): Promise<string> => String(await admin.sendCommand(["DEBUG", "DIGEST"]));

  /** Every key with a digest of its value (SCAN, in the test only): for failure messages. */
  async function keyDigests(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let cursor = "0";
    do {
      const reply = await admin.scan(cursor, { COUNT: 1000 });
      cursor = String(reply.cursor);
      for (const key of reply.keys) {
        out.set(key, String(await admin.sendCommand(["DEBUG", "DIGEST-VALUE", key])));
      }
    } while (cursor !== "0");
    return out;
  }

  /** Asserts the dataset digest is `expected`, naming the keys that differ from the baseline if not. */
  async function assertDigest(expected: string, what: string): Promise<void> {
    const actual = await digest();
    if (actual === expected) return;
    const now = await keyDigests();
    const changed = [...new Set([...now.keys(), ...baselineKeys.keys()])].filter(
      (k) => now.get(k) !== baselineKeys.get(k),
    );
    assert.fail(`${what}; keys that differ from the baseline: ${inspect(changed)}`);
  }

  /**
   * Runs one case on the conversations `ids`, then deletes them — also when the case fails, so
   * it leaves nothing behind for the next case or for fast-check's shrinking — and, if the case
   * passed, requires the whole dataset to be exactly as it was before the case.
   */
  async function isolated(ids: Iterable<string>, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } finally {
      for (const id of ids) await manager.cleanupConversation(id).catch(() => undefined);
    }
    await assertDigest(baseline, `a case touched data outside its own conversation: ${inspect([...ids])}`);
  }

  before(async () => {
    server = await startRedis({ args: ["--enable-debug-command", "yes"] });
    admin = createClient({ url: server.url });
    await admin.connect();
    manager = createMemoryManager({ redis: server.url, maxValueBytes: MAX_VALUE_BYTES });
    roomy = createMemoryManager({ redis: server.url });
    // Sentinels: ids a glob, brace or colon confusion would hit; written once, never again.
    for (const id of [
      "§sentinel",
      "§sentinel*",
      "*§",
      "§{sentinel}",
      "§sentinel}:x",
      "§%7B%7D",
      "§a:conv:b",
    ]) {
      const memory = manager.getMemory(id);
      await memory.update({ a: 1, "*": "star", "}:x": ["l"], messages: [] });
      await memory.addMessage("user", "sentinel", {}, { id: "s1" });
    }
    baseline = await digest();
    baselineKeys = await keyDigests();
  });

  after(async () => {
    await roomy.close();
    await manager.close();
    await admin.close();
    await server.stop();
  });

  it(`ids, field names and message ids (${RUNS.names} cases): valid ones round-trip, others raise ValidationError`, async (t) => {
    const seen = { badId: 0, badField: 0, stored: 0, badMessageId: 0, messages: 0 };
    await fc.assert(
      fc.asyncProperty(
        hostileName,
        hostileName,
        hostileName,
        jsonValue,
        async (id, field, messageId, value) => {
          let memory: Memory;
          try {
            memory = roomy.getMemory(id);
          } catch (err) {
            assert.ok(err instanceof ValidationError, `getMemory threw ${String(err)}`);
            assert.ok(!validName(id), `valid id ${JSON.stringify(id)} rejected`);
            await assertDigest(baseline, "a rejected id wrote something");
            seen.badId++;
            return;
          }
          assert.ok(validName(id), `invalid id ${JSON.stringify(id)} accepted`);
          assert.equal(memory.conversationId, id);

          await isolated([id], async () => {
            const set = await outcomeOf(() => memory.set(field, value));
            if (!validName(field)) {
              assert.equal(set.outcome, "validation", `field ${JSON.stringify(field)}`);
              await assertDigest(baseline, "a rejected field wrote something");
              seen.badField++;
            } else {
              const expected = expectedOutcome(value, Number.POSITIVE_INFINITY, true);
              assert.equal(set.outcome, expected, `value ${inspect(value)}`);
              if (expected === "ok") {
                assert.deepStrictEqual(await memory.get(field), value);
                assert.deepStrictEqual(await memory.keys(), [field]);
                assert.deepStrictEqual(await memory.items(), [[field, value]]);
                seen.stored++;
              }
            }

            await memory.clearAll(); // the field may have been "messages"
            const before = await digest();
            const first = await outcomeOf(() => memory.addMessage("user", id, { field }, { id: messageId }));
            if (!validName(messageId)) {
              assert.equal(first.outcome, "validation", `message id ${JSON.stringify(messageId)}`);
              await assertDigest(before, "a rejected message id wrote something");
              seen.badMessageId++;
            } else {
              assert.equal(first.outcome, "ok");
              const again = await outcomeOf(() =>
                memory.addMessage("user", "redelivered", {}, { id: messageId }),
              );
              assert.deepStrictEqual(again.value, first.value, "a redelivery returns the stored message");
              const messages = await memory.getMessages();
              assert.deepStrictEqual(messages, [first.value]);
              assert.equal(messages[0]?.id, messageId);
              seen.messages++;
            }
          });
        },
      ),
      { numRuns: RUNS.names },
    );
    t.diagnostic(`cases: ${JSON.stringify(seen)}`);
  });

  it(`confusable (id, field) pairs (${RUNS.crossTalk} cases): every pair has its own key`, async (t) => {
    let ran = 0;
    const part = fc.oneof(hostileString(6), fc.constantFrom("}", "}:", "{", "%7D", ":", "x}:y"));
    await fc.assert(
      fc.asyncProperty(part, part, async (a, f) => {
        fc.pre(validName(a) && validName(f));
        ran++;
        // Every way of reading `a}:f` as another (id, field) — the collision of unescaped keys —
        // plus the escaped spellings of `a`.
        const joined = `${a}}:${f}`;
        const pairs: Array<[string, string]> = [[a, f]];
        for (let k = joined.indexOf("}:"); k >= 0; k = joined.indexOf("}:", k + 1)) {
          pairs.push([joined.slice(0, k), joined.slice(k + 2)]);
        }
        pairs.push(
          [a.replaceAll("}", "%7D"), f],
          [a.replaceAll("{", "%7B"), f],
          [a.replaceAll("%", "%25"), f],
        );
        const valid = pairs.filter(([i, g]) => validName(i) && validName(g));
        const distinct = [...new Map(valid.map((p) => [p.join("\u0000|"), p])).values()];
        const ids = new Set(distinct.map(([id]) => id));
        await isolated(ids, async () => {
          for (const [n, [id, field]] of distinct.entries()) await manager.getMemory(id).set(field, n);
          for (const [n, [id, field]] of distinct.entries()) {
            const got = await manager.getMemory(id).get(field);
            assert.equal(got, n, `(${JSON.stringify(id)}, ${JSON.stringify(field)})`);
          }
          for (const id of ids) {
            const mine = distinct.filter(([i]) => i === id).map(([, g]) => g);
            assert.deepStrictEqual(await manager.getMemory(id).keys(), [...new Set(mine)].sort());
          }
        });
      }),
      { numRuns: RUNS.crossTalk },
    );
    t.diagnostic(`${ran} cases`);
  });

  it(`values (${RUNS.values} cases): exact round trip, or a typed error and nothing written`, async (t) => {
    const ran: Record<string, number> = {};
    const value = fc.oneof(
      { weight: 3, arbitrary: jsonValue },
      { weight: 3, arbitrary: poisonedValue },
      { weight: 1, arbitrary: sizedString(MAX_VALUE_BYTES) },
      {
        weight: 1,
        arbitrary: sizedString(MAX_VALUE_BYTES).map((s) =>
          Object.fromEntries([
            ["__proto__", s],
            ["constructor", [s]],
          ]),
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(WRITES)), value, async (name, v) => {
        const write = WRITES[name] as Write;
        const id = freshId("hv");
        await isolated([id], async () => {
          const memory = manager.getMemory(id);
          await memory.update({ target: "old", list: ["x"] });
          const before = await digest();
          const expected = write.expected(v);
          const result = await outcomeOf(() => write.call(memory, v));
          ran[result.outcome] = (ran[result.outcome] ?? 0) + 1;
          const fits = expected === "either" ? ["ok", "too-large"] : [expected];
          if (!fits.includes(result.outcome)) {
            assert.fail(
              `${name}: ${result.outcome}, expected ${expected}, for ${inspect(v, { depth: 4 }).slice(0, 500)}`,
            );
          }
          if (result.outcome === "ok") await write.check(memory, v, result.value);
          else await assertDigest(before, `a rejected ${name} wrote something`);
        });
      }),
      { numRuns: RUNS.values },
    );
    t.diagnostic(`outcomes: ${JSON.stringify(ran)}`);
  });

  it("10,000 levels of nesting: SerializationError from the depth limit, never a stack overflow, in every write", async () => {
    const id = freshId("deep");
    await isolated([id], async () => {
      const memory = manager.getMemory(id);
      await memory.update({ target: "old", list: ["x"] });
      const before = await digest();
      for (const kind of ["array", "object"] as const) {
        const deep = nested(10_000, kind);
        const calls: Array<[string, () => Promise<unknown>]> = [
          ["set", () => memory.set("target", deep)],
          ["update", () => memory.update({ target: deep })],
          ["modify", () => memory.modify("target", () => deep)],
          ["append", () => memory.append("list", deep)],
          ["extend", () => memory.extend("list", [deep])],
          ["insert", () => memory.insert("list", 0, deep)],
          ["addMessage", () => memory.addMessage("user", "hi", { deep })],
        ];
        for (const [name, call] of calls) {
          await assert.rejects(call(), (err: unknown) => {
            assert.ok(err instanceof SerializationError, `${name} ${kind}: ${String(err)}`);
            assert.match(err.message, new RegExp(`deeper than ${MAX_DEPTH} levels`));
            return true;
          });
        }
      }
      assert.equal(await digest(), before);
      await memory.set("target", nested(MAX_DEPTH, "array"));
      assert.deepStrictEqual(await memory.get("target"), nested(MAX_DEPTH, "array"));
      await assert.rejects(memory.set("target", nested(MAX_DEPTH + 1, "array")), SerializationError);
    });
  });

  it("maxValueBytes ±1, in bytes of the encoded JSON, for every width of character", async () => {
    const id = freshId("size");
    await isolated([id], async () => {
      const memory = manager.getMemory(id);
      for (const ch of ["a", "é", "€", "😀", "\n", "\u0000", "\ud800"]) {
        for (const delta of [-1, 0, 1]) {
          const s = stringOfEncodedBytes(MAX_VALUE_BYTES + delta, ch);
          assert.equal(encodedBytes(s), MAX_VALUE_BYTES + delta);
          for (const [name, call] of [
            ["set", () => memory.set("s", s)],
            ["append", () => memory.append("l", s)],
            ["update", () => memory.update({ u: s })],
          ] as Array<[string, () => Promise<unknown>]>) {
            const before = await digest();
            const { outcome } = await outcomeOf(call);
            assert.equal(outcome, delta > 0 ? "too-large" : "ok", `${name} ${JSON.stringify(ch)} ${delta}`);
            if (delta > 0) assert.equal(await digest(), before);
          }
          if (delta <= 0) assert.equal(await memory.get("s"), s);
        }
      }
    });
  });

  it("hostile ids go through the registry unchanged: stats list exactly them, cleanup removes them all", async (t) => {
    const tenant = createMemoryManager({ redis: server.url, keyPrefix: `hostile-${freshId()}` });
    try {
      const ids = fc
        .sample(hostileName, { numRuns: 400, seed: 42 })
        .filter(validName)
        .filter((id, i, all) => all.indexOf(id) === i);
      assert.ok(ids.length > 150, `only ${ids.length} distinct valid ids`);
      for (const id of ids) await tenant.getMemory(id).set("f", id);
      t.diagnostic(`${ids.length} ids`);
      const listed = (await tenant.getStats()).conversations.map((c) => c.conversationId);
      assert.deepStrictEqual([...listed].sort(), [...ids].sort());
      for (const id of ids.slice(0, 20)) assert.equal(await tenant.getMemory(id).get("f"), id);
      assert.equal(await tenant.cleanupExpiredConversations({ maxAgeSeconds: 0 }), ids.length);
      await assertDigest(baseline, "cleanup removed exactly the tenant's keys");
    } finally {
      await tenant.close();
    }
  });
});

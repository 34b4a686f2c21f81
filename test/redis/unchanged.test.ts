/**
 * Bad input changes nothing in Redis: a byte-level snapshot of the whole keyspace (every key's
 * DUMP, taken with SCAN in the test only) is identical before and after a battery of invalid
 * calls, each of which must raise its typed error. And convmem itself never issues KEYS or
 * SCAN for per-conversation operations (checked with INFO commandstats).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import {
  type ConvmemError,
  createMemoryManager,
  ListIndexError,
  type MemoryManager,
  SerializationError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { bad, freshId } from "../helpers/targets.js";

type Client = ReturnType<typeof createClient>;

async function snapshot(client: Client): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = "0";
  do {
    const reply = await client.scan(cursor, { COUNT: 1000 });
    cursor = String(reply.cursor);
    for (const key of reply.keys) {
      const dump = await client.sendCommand([Buffer.from("DUMP"), Buffer.from(key)], {
        typeMapping: { 36: Buffer },
      });
      out.set(key, Buffer.isBuffer(dump) ? dump.toString("hex") : String(dump));
    }
  } while (cursor !== "0");
  return out;
}

describe("Redis is unchanged by bad input", () => {
  let server: RedisServer;
  let client: Client;
  let manager: MemoryManager;
  before(async () => {
    server = await startRedis();
    client = createClient({ url: server.url });
    await client.connect();
    manager = createMemoryManager({ redis: server.url, maxValueBytes: 1000 });
  });
  after(async () => {
    await manager.close();
    await client.close();
    await server.stop();
  });

  it("every invalid call raises its typed error and leaves every key byte-identical", async () => {
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.update({ name: "Ada", count: 3, prefs: { lang: "en" }, tags: ["a", "b"] });
    await memory.addMessage("user", "hi", {}, { id: "m1" });
    await memory.set("pinned", 1, { ttl: 600 });
    const other = manager.getMemory(freshId());
    await other.set("x", 1);
    const before = await snapshot(client);
    assert.ok(before.size >= 5, `expected the conversations' keys, got ${before.size}`);

    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: Array<[string, () => Promise<unknown>, new (...args: never[]) => ConvmemError]> = [
      ["invalid id", async () => manager.getMemory(""), ValidationError],
      ["513-byte id", async () => manager.getMemory(`${"é".repeat(256)}x`), ValidationError],
      ["lone surrogate id", async () => manager.getMemory("a\ud800"), ValidationError],
      ["empty field", () => memory.set("", 1), ValidationError],
      ["field with lone surrogate", () => memory.set("f\udc00", 1), ValidationError],
      ["ttl 0", () => memory.set("name", "x", { ttl: 0 }), ValidationError],
      ["ttl 1.5", () => memory.set("name", "x", { ttl: 1.5 }), ValidationError],
      ["setTtl -1", () => memory.setTtl(-1), ValidationError],
      ["Date value", () => memory.set("name", { since: new Date() }), SerializationError],
      ["cycle", () => memory.set("name", cycle), SerializationError],
      ["undefined in list", () => memory.set("tags", [1, undefined]), SerializationError],
      ["oversize value", () => memory.set("name", "x".repeat(2000)), ValueTooLargeError],
      ["oversize list element", () => memory.append("tags", "x".repeat(2000)), ValueTooLargeError],
      ["oversize message", () => memory.addMessage("user", "x".repeat(2000)), ValueTooLargeError],
      [
        "update with one bad value",
        () => memory.update({ name: "Bob", count: 4, bad: bad(Number.NaN) }),
        SerializationError,
      ],
      [
        "update with one oversize value",
        () => memory.update({ name: "Bob", big: "x".repeat(2000) }),
        ValueTooLargeError,
      ],
      ["update with a bad field name", () => memory.update({ name: "Bob", "": 1 }), ValidationError],
      ["append to a non-list", () => memory.append("name", 1), WrongTypeError],
      ["extend a non-list", () => memory.extend("prefs", [1, 2]), WrongTypeError],
      ["insert into a non-list", () => memory.insert("count", 0, 1), WrongTypeError],
      ["pop a non-list", () => memory.pop("name"), WrongTypeError],
      ["remove from a non-list", () => memory.remove("prefs", 1), WrongTypeError],
      ["getList of a non-list", () => memory.getList("name"), WrongTypeError],
      ["listLength of a non-list", () => memory.listLength("prefs"), WrongTypeError],
      ["pop out of range", () => memory.pop("tags", 5), ListIndexError],
      ["pop a missing list", () => memory.pop("nothing"), ListIndexError],
      ["incr a string", () => memory.incr("name"), WrongTypeError],
      ["incr a list", () => memory.incr("tags"), WrongTypeError],
      ["incr by 1.5", () => memory.incr("count", 1.5), ValidationError],
      ["incr past 2^53", () => memory.incr("count", Number.MAX_SAFE_INTEGER), ValidationError],
      [
        "modify whose fn throws",
        () =>
          memory.modify("count", () => {
            throw new ValidationError("nope");
          }),
        ValidationError,
      ],
      ["modify returning undefined", () => memory.modify("count", () => bad(undefined)), SerializationError],
      ["maxLength 0", () => memory.append("tags", "c", { maxLength: 0 }), ValidationError],
      ["negative limit", () => memory.getMessages({ limit: -1 }), ValidationError],
    ];
    for (const [name, call, cls] of cases) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof cls, `${name}: expected ${cls.name}, got ${String(err)}`);
        return true;
      });
    }
    // addMessage on a non-list `messages` field, in a conversation of its own.
    const third = manager.getMemory(freshId());
    await third.set("messages", "not a list");
    const beforeThird = await snapshot(client);
    await assert.rejects(third.addMessage("user", "hi"), WrongTypeError);
    assert.deepEqual(await snapshot(client), beforeThird);

    const afterAll = await snapshot(client);
    for (const [key, dump] of before) assert.equal(afterAll.get(key), dump, `key ${key} changed`);
  });

  it("no per-conversation operation, nor cleanup, issues KEYS or SCAN", async () => {
    await client.configResetStat();
    const memory = manager.getMemory(freshId());
    await memory.set("a", 1);
    await memory.append("l", 1);
    await memory.addMessage("user", "hi");
    await memory.keys();
    await memory.items();
    await memory.getMemorySize();
    await memory.getTtl();
    await memory.clearAll();
    await manager.cleanupConversation(freshId());
    await manager.cleanupExpiredConversations({ maxAgeSeconds: 3600 });
    await manager.getStats();
    const stats = await client.info("commandstats");
    assert.ok(stats.includes("cmdstat_fcall"), "the operations ran");
    assert.doesNotMatch(stats, /cmdstat_(keys|scan)\b/);
  });
});

/**
 * Plain reads (issue 13), on a real redis-server: `get` and the newest-end list window are one
 * plain GET / LRANGE, exact because every field's key expires physically exactly when the field
 * does. Checked here: the field keys' expiry (PEXPIRETIME) is the logical deadline − 1 after
 * every write, pinned fields at their own, the meta hash and the id index no earlier; a plain read never sees an expired field; a plain read
 * that finds a value of another kind (WRONGTYPE) falls back to the function without letting any
 * later call of this manager overtake it; a burst on one conversation costs two round trips.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager, type OperationEvent } from "../../src/index.js";
import { sleep } from "../../src/testing/helpers.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

type Raw = ReturnType<typeof createClient>;

/** Every key starting with `start` (but the registry's) with its PEXPIRETIME. SCAN: tests only. */
async function expiries(raw: Raw, start: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const keys of raw.scanIterator({ MATCH: `${start}*`, COUNT: 1000 })) {
    for (const key of keys) {
      if (key.includes(":reg:{")) continue;
      out.set(key, Number(await raw.sendCommand(["PEXPIRETIME", key])));
    }
  }
  return out;
}

describe("plain reads (standalone redis-server)", () => {
  let server: RedisServer;
  let raw: Raw;
  const managers: MemoryManager[] = [];
  const open = (keyPrefix: string, defaultTtl: number | null = 60) => {
    const manager = createMemoryManager({ redis: server.url, keyPrefix, defaultTtl });
    managers.push(manager);
    return manager;
  };
  const calls = (manager: MemoryManager): Array<[string, OperationEvent["calls"]]> => {
    const seen: Array<[string, OperationEvent["calls"]]> = [];
    manager.on("operation", (e) => seen.push([e.operation, e.calls]));
    return seen;
  };

  before(async () => {
    server = await startRedis();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await raw.quit();
    await server.stop();
  });

  it("every field key expires at the logical deadline − 1, moved by every write; indexes later", async () => {
    const prefix = `pr-${randomUUID()}`;
    const memory = open(prefix).getMemory("c1");
    await memory.set("prefs", { a: 1 });
    await memory.addMessage("user", "hi", {}, { id: "m1" });
    await memory.extend("log", [1, 2]);
    await memory.mapSet("scores", "x", 1);
    const fieldKeys = (all: Map<string, number>) => [...all].filter(([k]) => k.includes(":conv:{"));
    const others = (all: Map<string, number>) => [...all].filter(([k]) => !k.includes(":conv:{"));
    const before = await expiries(raw, `${prefix}:`);
    assert.equal(fieldKeys(before).length, 4, `prefs, messages, log, scores: ${[...before.keys()]}`);
    const first = new Set(fieldKeys(before).map(([, at]) => at));
    assert.equal(first.size, 1, `one expiry for every field key: ${JSON.stringify([...before])}`);
    await sleep(5);
    await memory.set("prefs", { a: 2 }); // one write moves every field key
    const after = await expiries(raw, `${prefix}:`);
    const moved = new Set(fieldKeys(after).map(([, at]) => at));
    assert.equal(moved.size, 1, `one expiry for every field key: ${JSON.stringify([...after])}`);
    const [was] = first;
    const [now] = moved as Set<number> as unknown as [number];
    assert.ok(now > (was as number), `moved forward: ${was} -> ${now}`);
    const ttl = (await memory.getTtl()) as number;
    assert.ok(ttl > 58 && ttl <= 60, `getTtl ${ttl}`);
    // The meta hash and the message-id index (read by scripts only) live at least as long, and at
    // most one TTL (60 s) longer: renewed once per TTL period, not per write.
    assert.equal(others(after).length, 2, `meta, message ids: ${[...after.keys()]}`);
    for (const [key, at] of others(after)) {
      assert.ok(at >= now && at <= now + 60_000 + 1, `${key} expires at ${at}, the fields at ${now}`);
    }
  });

  it("a pinned field's key expires at its own deadline − 1; the others stay together", async () => {
    const prefix = `pin-${randomUUID()}`;
    const memory = open(prefix).getMemory("c1");
    await memory.set("a", 1);
    await memory.set("pinned", 2, { ttl: 600 });
    await memory.set("b", 3);
    const keys = await expiries(raw, `${prefix}:`);
    const pinned = [...keys].find(([k]) => k.endsWith(":pinned"));
    assert.ok(pinned, "the pinned field's key");
    const rest = [...keys].filter(([k]) => !k.endsWith(":pinned") && k.includes(":conv:{"));
    assert.equal(new Set(rest.map(([, at]) => at)).size, 1, JSON.stringify(rest));
    const [, restAt] = rest[0] as [string, number];
    assert.ok(pinned[1] - restAt > 500_000, `pinned ${pinned[1]} vs ${restAt}`);
    const meta = [...keys].find(([k]) => k.includes(":meta:{"));
    assert.ok(meta && meta[1] >= pinned[1], "the meta hash lives as long as its longest field");
  });

  it("a plain read never sees an expired field: the key is gone with it", async () => {
    const prefix = `exp-${randomUUID()}`;
    const memory = open(prefix, 1).getMemory("c1");
    await memory.set("prefs", { a: 1 });
    await memory.addMessage("user", "hi");
    assert.deepEqual(await memory.get("prefs"), { a: 1 });
    await sleep(1100);
    assert.equal(await memory.get("prefs"), undefined);
    assert.deepEqual(await memory.getMessages({ limit: 5 }), []);
    const left = [...(await expiries(raw, `${prefix}:`)).keys()].filter((k) => k.includes(":conv:{"));
    assert.deepEqual(left, [], "Redis has reclaimed every field key");
  });

  it("get of a list (WRONGTYPE, then the function) is not overtaken by a later call", async () => {
    const manager = open(`wt-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.extend("x", [1, 2]);
    const seen = calls(manager);
    const [got, , after] = await Promise.all([memory.get("x"), memory.set("x", "scalar"), memory.get("x")]);
    assert.deepEqual(got, [1, 2], "the get issued first sees the list");
    assert.equal(after, "scalar");
    assert.deepEqual(seen, [
      ["get", { get: 1, fcall: 1 }], // GET: WRONGTYPE, then the get function
      ["set", { fcall: 1 }], // sent once the get had sent its function
      ["get", { fcall: 1 }], // a read that waited goes as a function
    ]);
  });

  it("getMessages of an emptied history (WRONGTYPE on the marker) is not overtaken either", async () => {
    const memory = open(`em-${randomUUID()}`).getMemory("c1");
    await memory.addMessage("user", "one", {}, { id: "m1" });
    assert.equal(await memory.deleteMessage("m1"), true); // the history is now the empty-list marker
    const [window, added, later] = await Promise.all([
      memory.getMessages({ limit: 5 }),
      memory.addMessage("user", "two", {}, { id: "m2" }),
      memory.getMessages({ limit: 5 }),
    ]);
    assert.deepEqual(window, []);
    assert.equal(added.id, "m2");
    assert.deepEqual(
      later.map((m) => m.id),
      ["m2"],
    );
  });

  it("a burst of reads and writes on one conversation keeps call order in two round trips", async () => {
    const manager = open(`burst-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.set("n", 1);
    const seen = calls(manager);
    const results = await Promise.all([
      memory.get("n"),
      memory.incr("n"),
      memory.get("n"),
      memory.incr("n"),
      memory.get("n"),
    ]);
    assert.deepEqual(results, [1, 2, 2, 3, 3]);
    assert.deepEqual(
      seen.map(([op, c]) => `${op}:${Object.keys(c).join("+")}`),
      ["get:get", "incr:fcall", "get:fcall", "incr:fcall", "get:fcall"],
    );
    // Another conversation is never held by this one's plain read.
    const other = manager.getMemory("c2");
    const [a, b] = await Promise.all([memory.get("n"), other.get("n")]);
    assert.equal(a, 3);
    assert.equal(b, undefined);
  });

  it("a read refused by the ACL goes as a function from then on, and still fails clearly", async () => {
    const user = `noget-${randomUUID()}`;
    await raw.sendCommand(["ACL", "SETUSER", user, "on", ">pw", "~*", "+@all", "-get"]);
    try {
      const prefix = `acl-${randomUUID()}`;
      const manager = createMemoryManager({
        redis: `redis://${user}:pw@127.0.0.1:${server.port}`,
        keyPrefix: prefix,
      });
      managers.push(manager);
      const memory = manager.getMemory("c1");
      await memory.extend("l", [1]);
      assert.deepEqual(await memory.getMessages(), []); // LRANGE is allowed: a plain read
      // GET is refused to the user, also inside functions: a clear error, not a silent undefined.
      await assert.rejects(memory.get("l"), (err: Error) => /permission|NOPERM/i.test(err.message));
    } finally {
      await raw.sendCommand(["ACL", "DELUSER", user]);
    }
  });
});

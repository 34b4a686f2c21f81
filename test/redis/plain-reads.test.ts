/**
 * The plain read of the history (issue 13), on a real redis-server: `getMessages({ limit })` is
 * one plain LRANGE, exact because the history's key expires physically exactly when the history
 * does. Checked here: the history key's expiry (PEXPIRETIME) moves with the deadline on every
 * write to any field, other fields' keys keep their lazily renewed expiry (a write costs O(1)
 * whatever the number of fields), the meta hash and the id index outlive the history; a plain
 * read never sees an expired history; a plain read that finds the empty-history marker
 * (WRONGTYPE) falls back to the function without letting a later call of this manager overtake
 * it; a burst on one conversation costs two round trips and keeps call order.
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

/** The expiry of the one key of `all` whose name ends with `suffix` (or contains `part`). */
function at(all: Map<string, number>, part: string): number {
  const found = [...all].find(([k]) => k.endsWith(part) || k.includes(part));
  assert.ok(found, `a key ${part} among ${[...all.keys()].join(", ")}`);
  return found[1];
}

describe("plain reads of the history (standalone redis-server)", () => {
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

  it("the history's key expires at the deadline − 1, moved by a write of any field", async () => {
    const prefix = `pr-${randomUUID()}`;
    const memory = open(prefix).getMemory("c1");
    await memory.addMessage("user", "hi", {}, { id: "m1" });
    await memory.set("prefs", { a: 1 });
    const first = await expiries(raw, `${prefix}:`);
    const history0 = at(first, ":messages");
    const prefs0 = at(first, ":prefs");
    await sleep(20);
    const before = Date.now();
    await memory.set("prefs", { a: 2 }); // a write of another field moves the history's expiry
    const later = await expiries(raw, `${prefix}:`);
    const history1 = at(later, ":messages");
    assert.ok(history1 >= history0 + 15, `moved: ${history0} -> ${history1}`);
    // Exactly one TTL after the write (less 1 ms), within the write's round trip.
    assert.ok(history1 >= before + 60_000 - 1 - 5 && history1 <= Date.now() + 60_000, `${history1}`);
    // The other field's key keeps its lazily renewed expiry (at least the deadline, at most one
    // TTL more): a write does not touch every key of the conversation.
    assert.equal(at(later, ":prefs"), prefs0, "prefs keeps its physical expiry");
    assert.ok(prefs0 >= history1 && prefs0 <= history1 + 60_001, `prefs ${prefs0}, history ${history1}`);
    // The meta hash and the message-id index (read by scripts only) live at least as long.
    for (const part of [":meta:{", ":mids:{"]) {
      assert.ok(at(later, part) >= history1, `${part} ${at(later, part)} >= ${history1}`);
    }
  });

  it("a pinned field's key expires at its own deadline − 1", async () => {
    const prefix = `pin-${randomUUID()}`;
    const memory = open(prefix).getMemory("c1");
    const start = Date.now();
    await memory.set("pinned", 2, { ttl: 600 });
    const keys = await expiries(raw, `${prefix}:`);
    const pinned = at(keys, ":pinned");
    assert.ok(pinned >= start + 600_000 - 1 - 5 && pinned <= Date.now() + 600_000, `${pinned}`);
    assert.ok(at(keys, ":meta:{") >= pinned, "the meta hash lives as long as its longest field");
  });

  it("a plain read never sees an expired history: the key is gone with it", async () => {
    const prefix = `exp-${randomUUID()}`;
    const memory = open(prefix, 1).getMemory("c1");
    await memory.addMessage("user", "hi");
    assert.equal((await memory.getMessages({ limit: 5 })).length, 1);
    await sleep(1050);
    assert.deepEqual(await memory.getMessages({ limit: 5 }), []);
    assert.deepEqual(await memory.getMessages(), []);
    const left = [...(await expiries(raw, `${prefix}:`)).keys()].filter((k) => k.endsWith(":messages"));
    assert.deepEqual(left, [], "Redis has reclaimed the history");
  });

  it("getMessages of an emptied history (WRONGTYPE on the marker) is not overtaken", async () => {
    const manager = open(`em-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.addMessage("user", "one", {}, { id: "m1" });
    assert.equal(await memory.deleteMessage("m1"), true); // the history is now the empty-list marker
    const seen = calls(manager);
    const [window, added, later] = await Promise.all([
      memory.getMessages({ limit: 5 }),
      memory.addMessage("user", "two", {}, { id: "m2" }),
      memory.getMessages({ limit: 5 }),
    ]);
    assert.deepEqual(window, [], "the read issued first sees the empty history");
    assert.equal(added.id, "m2");
    assert.deepEqual(
      later.map((m) => m.id),
      ["m2"],
    );
    // Events arrive as calls settle: compared without their order.
    assert.deepEqual(seen.map(([op, c]) => `${op}:${Object.keys(c).sort().join("+")}`).sort(), [
      "addMessage:fcall", // sent once the read had sent its function
      "getMessages:fcall", // a read that waited goes as a function
      "getMessages:fcall+lrange", // LRANGE: WRONGTYPE, then the history function
    ]);
  });

  it("a burst of reads and writes on one conversation keeps call order in two round trips", async () => {
    const manager = open(`burst-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.addMessage("user", "a", {}, { id: "a" });
    const seen = calls(manager);
    const [r1, , r2, , r3] = await Promise.all([
      memory.getMessages({ limit: 10 }),
      memory.addMessage("user", "b", {}, { id: "b" }),
      memory.getMessages({ limit: 10 }),
      memory.addMessage("user", "c", {}, { id: "c" }),
      memory.getMessages(),
    ]);
    assert.deepEqual(
      [r1, r2, r3].map((w) => w.map((m) => m.id).join("")),
      ["a", "ab", "abc"],
    );
    assert.deepEqual(
      seen.map(([op, c]) => `${op}:${Object.keys(c).join("+")}`).sort(), // in settling order
      [
        "addMessage:fcall",
        "addMessage:fcall",
        "getMessages:fcall",
        "getMessages:fcall",
        "getMessages:lrange",
      ],
    );
    // Another conversation is never held by this one's plain read.
    const other = manager.getMemory("c2");
    const [mine, theirs] = await Promise.all([
      memory.getMessages({ limit: 1 }),
      other.getMessages({ limit: 1 }),
    ]);
    assert.equal(mine[0]?.id, "c");
    assert.deepEqual(theirs, []);
  });

  it("a read refused by the ACL goes as a function, and still fails clearly", async () => {
    const user = `nolrange-${randomUUID()}`;
    await raw.sendCommand(["ACL", "SETUSER", user, "on", ">pw", "~*", "+@all", "-lrange"]);
    try {
      const manager = createMemoryManager({
        redis: `redis://${user}:pw@127.0.0.1:${server.port}`,
        keyPrefix: `acl-${randomUUID()}`,
      });
      managers.push(manager);
      const memory = manager.getMemory("c1");
      await memory.addMessage("user", "hi");
      // LRANGE is refused to the user, also inside functions: a clear error, never a silent [].
      for (let i = 0; i < 2; i++) {
        await assert.rejects(memory.getMessages({ limit: 5 }), (err: Error) =>
          /permission|NOPERM/i.test(err.message),
        );
      }
    } finally {
      await raw.sendCommand(["ACL", "DELUSER", user]);
    }
  });
});

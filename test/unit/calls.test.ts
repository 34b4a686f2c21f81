/**
 * Operation events (issue 20), what each call did: the Redis commands it sent, by kind
 * (`calls`), checked against the server's own `INFO commandstats`, on a modify that loses a
 * compare-and-set, on the library reload after `FUNCTION FLUSH`, on the script fallback and
 * with durability; and the opt-in `records` (field names and values), which reach only the
 * listeners that asked for them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import {
  createMemoryManager,
  InMemoryStore,
  type MemoryManager,
  type MemoryRecord,
  type OperationEvent,
  StoreError,
} from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

type Seen = Pick<OperationEvent, "operation" | "calls" | "retries" | "removed" | "records">;

/** The events of `manager` from now on, reduced to what this file checks. */
function record(manager: MemoryManager, content = false): Seen[] {
  const events: Seen[] = [];
  manager.on(
    "operation",
    (e) =>
      events.push({
        operation: e.operation,
        calls: e.calls,
        ...(e.retries === undefined ? {} : { retries: e.retries }),
        ...(e.removed === undefined ? {} : { removed: e.removed }),
        ...(e.records === undefined ? {} : { records: e.records }),
      }),
    { content },
  );
  return events;
}

/** Every kind of command in `events`, summed. */
function totals(events: readonly Seen[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const e of events)
    for (const [kind, n] of Object.entries(e.calls)) sum[kind] = (sum[kind] ?? 0) + (n ?? 0);
  return sum;
}

/** The server's call counts of the commands convmem sends, from `INFO commandstats`. */
async function commandStats(admin: ReturnType<typeof createClient>): Promise<Record<string, number>> {
  const info = await admin.sendCommand(["INFO", "commandstats"]);
  const stats: Record<string, number> = {};
  for (const [, name, calls] of String(info).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const kind = (name as string).replace("function|load", "function_load");
    if (
      ["lrange", "mget", "fcall", "function_load", "eval", "evalsha", "wait", "zrange", "time"].includes(kind)
    ) {
      stats[kind] = Number(calls);
    }
  }
  return stats;
}

describe("operation events: Redis calls by kind (standalone redis-server)", () => {
  let server: RedisServer;
  let admin: ReturnType<typeof createClient>;
  const managers: MemoryManager[] = [];
  const newManager = (options: Parameters<typeof createMemoryManager>[0] = {}) => {
    const manager = createMemoryManager({ redis: server.url, ...options });
    managers.push(manager);
    return manager;
  };

  before(async () => {
    server = await startRedis();
    admin = createClient({ url: server.url });
    await admin.connect();
  });
  after(async () => {
    for (const m of managers) await m.close();
    await admin.close();
    await server.stop();
  });

  it("a workload's calls are what the server counted, one FCALL per plain call", async () => {
    await admin.sendCommand(["FUNCTION", "FLUSH"]);
    await admin.sendCommand(["CONFIG", "RESETSTAT"]);
    const manager = newManager({ keyPrefix: "calls" });
    const events = record(manager);
    const id = freshId("calls");
    const memory = manager.getMemory(id);
    await memory.set("prefs", { language: "en" });
    await memory.get("prefs");
    await memory.append("log", 1);
    await memory.addMessage("user", "hi");
    await memory.getMessages({ limit: 5 });
    await memory.modify("n", (n) => ((n as number | undefined) ?? 0) + 1);
    await memory.remove("log", 1);
    await manager.getStats();
    assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 3600 }), 0);
    const removed = await manager.cleanupConversation(id);
    assert.ok(removed >= 3, `removed ${removed}`);
    const byOp = events.map((e) => [e.operation, e.calls]);
    assert.deepEqual(byOp.slice(0, 7), [
      ["set", { function_load: 1, fcall: 1 }], // the first call on the server loads the library
      ["get", { mget: 1 }], // a scalar of a live conversation: a plain read
      ["append", { fcall: 1 }],
      ["addMessage", { fcall: 1 }],
      ["getMessages", { lrange: 1 }], // the newest messages: a plain read
      ["modify", { mget: 1, fcall: 1 }], // a plain read, then a compare-and-set
      ["remove", { fcall: 2 }],
    ]);
    // The registry walks read every bucket (one per Cluster slot), then one script per live bucket.
    assert.deepEqual(byOp[7], ["getStats", { zrange: 16384, fcall: 1 }]);
    assert.deepEqual(byOp[8], ["cleanupExpiredConversations", { time: 1, zrange: 16384 }]);
    assert.deepEqual(byOp[9], ["cleanupConversation", { fcall: 1 }]);
    assert.equal(events.at(-1)?.removed, removed);
    assert.equal(events[8]?.removed, 0);
    // The server also counts the commands the Lua functions run (TIME in every write, LRANGE
    // in some): those are not sent by convmem, so they are compared as "at least".
    const { time: sentTime, lrange: sentLrange, ...sent } = totals(events);
    const { time: serverTime, lrange: serverLrange, ...counted } = await commandStats(admin);
    assert.deepEqual(sent, counted);
    assert.equal(sentTime, 1);
    assert.ok((serverTime ?? 0) >= 1);
    assert.equal(sentLrange, 1);
    assert.ok((serverLrange ?? 0) >= 1);
  });

  it("concurrent calls never count each other's commands", async () => {
    const manager = newManager();
    const events = record(manager);
    const memories = Array.from({ length: 20 }, () => manager.getMemory(freshId("concurrent")));
    await Promise.all(
      memories.flatMap((m, i) => [
        m.set("a", i),
        m.get("a"),
        m.modify("n", (n) => ((n as number | undefined) ?? 0) + i),
        m.append("l", i),
      ]),
    );
    assert.equal(events.length, 80);
    for (const e of events) {
      const { function_load = 0, ...rest } = e.calls;
      const what = `${e.operation}: ${JSON.stringify(e.calls)}`;
      if (e.operation === "get") {
        assert.deepEqual(rest, { mget: 1 }, what); // behind the set, on a live conversation
      } else if (e.operation === "modify") {
        // Its read is plain, or a function when it waited behind the get's plain read.
        const { mget = 0, fcall = 0, ...other } = rest;
        assert.deepEqual(other, {}, what);
        assert.ok(mget <= 1 && mget + fcall === 2, what);
      } else {
        assert.deepEqual(rest, { fcall: 1 }, what);
      }
      assert.ok(function_load <= 1);
    }
    assert.ok((totals(events).function_load ?? 0) <= 1, "the library is loaded once per connection");
  });

  it("a modify that loses a compare-and-set to another process counts its extra write", async () => {
    const id = freshId("contended");
    const other = newManager().getMemory<{ n: number }>(id);
    await other.set("n", 0);
    const manager = newManager();
    const memory = manager.getMemory<{ n: number }>(id);
    await memory.keys(); // loads the library on this connection
    const events = record(manager);
    let attempts = 0;
    const result = await memory.modify(
      "n",
      async (n) => {
        if (attempts++ === 0) await other.set("n", 10); // the other process wins the first attempt
        return n + 1;
      },
      { fallback: 0 },
    );
    assert.equal(result, 11);
    // plain read, lost compare-and-set (it returns the newer value: no second read), winning one
    assert.deepEqual(events, [{ operation: "modify", calls: { mget: 1, fcall: 2 }, retries: 1 }]);
  });

  it("after FUNCTION FLUSH, the call that finds the library gone counts its reload", async () => {
    const manager = newManager();
    const memory = manager.getMemory(freshId("flushed"));
    await memory.set("a", 1);
    const events = record(manager);
    await admin.sendCommand(["FUNCTION", "FLUSH"]);
    assert.deepEqual(await memory.keys(), ["a"]);
    await memory.keys();
    assert.deepEqual(
      events.map((e) => e.calls),
      [{ fcall: 2, function_load: 1 }, { fcall: 1 }],
    );
  });

  it("where Functions are refused, the script fallback is counted: EVAL, then EVALSHA", async () => {
    await admin.sendCommand(["FUNCTION", "FLUSH"]);
    await admin.sendCommand(["ACL", "SETUSER", "nofunctions", "on", ">pw", "~*", "+@all", "-function"]);
    const manager = newManager({ redis: `redis://nofunctions:pw@127.0.0.1:${server.port}` });
    const events = record(manager);
    const memory = manager.getMemory(freshId("fallback"));
    await memory.set("a", 1);
    await memory.set("a", 2);
    assert.deepEqual(await memory.keys(), ["a"]);
    assert.equal(await memory.get("a"), 2);
    assert.deepEqual(
      events.map((e) => [e.operation, e.calls]),
      [
        ["set", { function_load: 1, fcall: 1, eval: 1 }], // refused, then the script
        ["set", { evalsha: 1 }],
        ["keys", { eval: 1 }], // another script: first sent whole
        ["get", { mget: 1 }], // a plain read needs neither
      ],
    );
  });

  it("durability: each write counts its WAIT, also when it rejects", async () => {
    const manager = newManager({ durability: { replicas: 1, timeoutMs: 20 } });
    const memory = manager.getMemory(freshId("durable"));
    await assert.rejects(memory.set("a", 1), StoreError); // no replica acknowledges it
    const events = record(manager);
    await assert.rejects(memory.set("a", 2), StoreError);
    await memory.get("a");
    assert.deepEqual(
      events.map((e) => e.calls),
      [{ fcall: 1, wait: 1 }, { mget: 1 }], // a read waits for no replica
    );
  });

  it("records: values only for listeners that asked; each write and read as stored", async () => {
    const manager = newManager();
    const plain = record(manager);
    const withContent = record(manager, true);
    const memory = manager.getMemory(freshId("records"));
    await memory.set("prefs", { language: "en" });
    await memory.get("prefs");
    await memory.has("nope");
    await memory.extend("log", [1, 2]);
    await memory.modify("n", () => 5);
    await memory.addMessage("user", "a secret message", { lang: "en" }, { id: "m1" });
    const [message] = await memory.getMessages();
    assert.ok(
      plain.every((e) => e.records === undefined),
      "no records without the opt-in",
    );
    const records = withContent.map((e) => [e.operation, e.records]);
    assert.deepEqual(records.slice(0, 5), [
      ["set", [{ field: "prefs", value: '{"language":"en"}' }]],
      ["get", [{ field: "prefs", value: '{"language":"en"}' }]],
      ["has", [{ field: "nope" }]],
      ["extend", [{ field: "log", value: "[1,2]" }]],
      [
        "modify",
        [
          { field: "n" }, // read: missing
          { field: "n", value: "5" }, // written
        ],
      ],
    ]);
    const [added, read] = [withContent[5]?.records, withContent[6]?.records] as MemoryRecord[][];
    assert.deepEqual(JSON.parse(added?.[0]?.value ?? ""), {
      id: "m1",
      role: "user",
      content: "a secret message",
      metadata: { lang: "en" },
    });
    assert.equal(added?.[0]?.field, "messages");
    assert.deepEqual(JSON.parse(read?.[0]?.value ?? ""), [message]);
  });

  it("records stop when the last content listener goes; calls go on", async () => {
    const manager = newManager();
    const plain = record(manager);
    const content: Array<OperationEvent["records"]> = [];
    const listener = (e: OperationEvent) => content.push(e.records);
    manager.on("operation", listener, { content: true });
    const memory = manager.getMemory(freshId("off"));
    await memory.set("a", 1);
    manager.on("operation", listener); // the same listener again: now without content
    await memory.set("a", 2);
    await memory.modify("a", () => 3);
    manager.off("operation", listener);
    await memory.set("a", 4);
    assert.deepEqual(content, [[{ field: "a", value: "1" }], undefined, undefined]);
    assert.equal(plain.length, 4);
    assert.ok(plain.every((e) => (e.calls.fcall ?? 0) >= 1));
  });
});

describe("operation events: other stores", () => {
  it("InMemoryStore: no Redis calls; records all the same", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const events = record(manager, true);
    const memory = manager.getMemory("c1");
    await memory.set("a", [1, 2]);
    await memory.remove("a", 1);
    assert.deepEqual(events, [
      { operation: "set", calls: {}, records: [{ field: "a", value: "[1,2]" }] },
      {
        operation: "remove",
        calls: {},
        retries: 0,
        records: [
          { field: "a", value: "[1,2]" },
          { field: "a", value: "1" },
        ],
      },
    ]);
    await manager.close();
  });
});

/**
 * The fast paths of RedisStore (plain `GET`/`SET … XX KEEPTTL`/`INCRBY`/`RPUSHX`/`LRANGE`/
 * `LLEN` for up to 900 ms after one of its own write scripts): they are taken, and whatever another
 * process did meanwhile — clear, delete, a type change, a pinned TTL, a cleanup sweep — ends
 * exactly as if every call had run its script: right values,
 * keys() and sizes right, every key with its TTL. Managers A and B stand for two processes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager, ValidationError, WrongTypeError } from "../../src/index.js";
import { WINDOW_MS } from "../../src/store/redis/recent-writes.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId, sleep } from "../helpers/targets.js";

type Raw = ReturnType<typeof createClient>;

async function calls(raw: Raw): Promise<Map<string, number>> {
  const info = await raw.info("commandstats");
  const out = new Map<string, number>();
  for (const m of info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) out.set(m[1] as string, Number(m[2]));
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>, cmd: string): number {
  return (after.get(cmd) ?? 0) - (before.get(cmd) ?? 0);
}

const sorted = <T extends [string, unknown]>(pairs: T[]) => pairs.sort((x, y) => (x[0] < y[0] ? -1 : 1));

const fieldKey = (id: string, field: string) => `memory:conv:{${id}}:${field}`;

describe("RedisStore fast paths", () => {
  let server: RedisServer;
  let raw: Raw;
  let a: MemoryManager;
  let b: MemoryManager;
  before(async () => {
    server = await startRedis();
    raw = createClient({ url: server.url });
    await raw.connect();
    a = createMemoryManager({ redis: server.url });
    b = createMemoryManager({ redis: server.url });
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await raw.close();
    await server.stop();
  });

  it("hot operations run as plain commands after a write script", async () => {
    const memory = a.getMemory(freshId());
    await memory.set("k", 0);
    await memory.append("l", "first");
    const before = await calls(raw);
    for (let i = 1; i <= 100; i++) {
      await memory.set("k", i);
      assert.equal(await memory.get("k"), i);
      assert.equal(await memory.incr("k", 1), i + 1);
      assert.equal(await memory.append("l", i), i + 1);
    }
    assert.deepEqual(await memory.getList("l", { start: -2 }), [99, 100]);
    assert.equal(await memory.listLength("l"), 101);
    const now = await calls(raw);
    const scripts = delta(before, now, "evalsha") + delta(before, now, "eval");
    // A script renews the conversation at least every 250 ms; everything else is plain.
    assert.ok(delta(before, now, "get") >= 50, `GET used ${delta(before, now, "get")} times`);
    assert.ok(delta(before, now, "set") >= 50, `SET used ${delta(before, now, "set")} times`);
    assert.ok(delta(before, now, "incrby") >= 50, `INCRBY used ${delta(before, now, "incrby")} times`);
    assert.ok(delta(before, now, "rpushx") >= 50, `RPUSHX used ${delta(before, now, "rpushx")} times`);
    assert.ok(scripts < 200, `${scripts} scripts for 400 writes and reads`);
    assert.ok((await raw.pTTL(fieldKey(memory.conversationId, "k"))) > 3_600_000);
    assert.deepEqual((await memory.keys()).sort(), ["k", "l"]);
  });

  it("reads stay plain for 5 s after a write script, writes for under a second", async () => {
    const memory = a.getMemory(freshId());
    await memory.set("k", "v");
    await memory.append("l", 1);
    await sleep(WINDOW_MS + 200);
    const before = await calls(raw);
    assert.equal(await memory.get("k"), "v");
    assert.equal(await memory.has("k"), true);
    assert.equal(await memory.has("nope"), false);
    assert.deepEqual(await memory.getList("l"), [1]);
    assert.equal(await memory.listLength("l"), 1);
    const mid = await calls(raw);
    assert.equal(delta(before, mid, "evalsha") + delta(before, mid, "eval"), 0, "reads ran no script");
    await memory.set("k", "w"); // the write window has passed: a script
    const after = await calls(raw);
    assert.equal(delta(mid, after, "evalsha") + delta(mid, after, "eval"), 1);
  });

  it("a write after another process cleared the conversation revives it properly", async () => {
    const id = freshId();
    await a.getMemory(id).set("x", 1);
    await a.getMemory(id).incr("n");
    await a.getMemory(id).append("l", "a");
    assert.equal(await b.getMemory(id).clearAll(), 3);
    // A still trusts its last write: each plain command finds its key gone and the script decides.
    await a.getMemory(id).set("x", 2);
    assert.equal(await a.getMemory(id).incr("n"), 1);
    assert.equal(await a.getMemory(id).append("l", "b"), 1);
    const memory = b.getMemory(id);
    assert.deepEqual(sorted(await memory.items()), [
      ["l", ["b"]],
      ["n", 1],
      ["x", 2],
    ]);
    for (const f of ["x", "n", "l"]) assert.ok((await raw.pTTL(fieldKey(id, f))) > 3_000_000, f);
    assert.equal(await memory.getTtl(), 3600);
    assert.deepEqual((await memory.getMemorySize()).fields, { x: 1, n: 1, l: 3 });
  });

  it("reads after another process deleted a field see it missing", async () => {
    const id = freshId();
    await a.getMemory(id).set("x", "v");
    await a.getMemory(id).append("l", 1);
    await b.getMemory(id).delete("x");
    await b.getMemory(id).delete("l");
    assert.equal(await a.getMemory(id).get("x", "fallback"), "fallback");
    assert.equal(await a.getMemory(id).has("x"), false);
    assert.deepEqual(await a.getMemory(id).getList("l"), []);
    assert.equal(await a.getMemory(id).listLength("l"), 0);
  });

  it("an INCRBY that recreated a key another process removed is adopted by the script", async () => {
    const id = freshId();
    assert.equal(await a.getMemory(id).incr("n", 5), 5);
    await b.getMemory(id).delete("n");
    assert.equal(await a.getMemory(id).incr("n", 1), 1);
    assert.deepEqual(await b.getMemory(id).keys(), ["n"]);
    assert.equal(await b.getMemory(id).get("n"), 1);
    assert.ok((await raw.pTTL(fieldKey(id, "n"))) > 3_000_000);
  });

  it("a counter at 0 stays right through the check", async () => {
    const memory = a.getMemory(freshId());
    assert.equal(await memory.incr("n", -1), -1);
    assert.equal(await memory.incr("n", 1), 0);
    assert.equal(await memory.incr("n", 0), 0);
    assert.equal(await memory.incr("n", 2), 2);
    assert.equal(await memory.get("n"), 2);
  });

  it("incr beyond the safe range is undone and rejected", async () => {
    const memory = a.getMemory(freshId());
    await memory.set("n", Number.MAX_SAFE_INTEGER - 2);
    assert.equal(await memory.incr("n", 1), Number.MAX_SAFE_INTEGER - 1);
    await assert.rejects(memory.incr("n", 5), ValidationError);
    assert.equal(await memory.get("n"), Number.MAX_SAFE_INTEGER - 1);
    await memory.set("s", "text");
    await assert.rejects(memory.incr("s"), WrongTypeError);
    assert.equal(await memory.get("s"), "text");
  });

  it("type changes by another process are seen: append to a now-scalar field fails, set over a list works", async () => {
    const id = freshId();
    await a.getMemory(id).append("l", 1);
    await a.getMemory(id).set("s", 1);
    await b.getMemory(id).set("l", "scalar");
    await b.getMemory(id).set("s", [1, 2]);
    await assert.rejects(a.getMemory(id).append("l", 2), WrongTypeError);
    assert.equal(await b.getMemory(id).get("l"), "scalar");
    await a.getMemory(id).set("s", "again");
    assert.equal(await b.getMemory(id).get("s"), "again");
    assert.deepEqual((await b.getMemory(id).getMemorySize()).fields, { l: 8, s: 7 });
  });

  it("a fast set over a list replaces it: sizes, type checks and keys follow", async () => {
    const memory = a.getMemory(freshId());
    await memory.append("l", 1);
    await memory.append("l", 2);
    await memory.set("l", "s");
    assert.equal(await memory.get("l"), "s");
    assert.deepEqual((await memory.getMemorySize()).fields, { l: 3 });
    await assert.rejects(memory.append("l", 3), WrongTypeError);
    await memory.set("l", [7]);
    assert.deepEqual(await memory.getList("l"), [7]);
    assert.deepEqual(await memory.keys(), ["l"]);
  });

  it("set replaces an empty list; set over a pinned field goes through the script", async () => {
    const id = freshId();
    const memory = a.getMemory(id);
    await memory.set("e", []);
    await memory.set("e", 5);
    assert.equal(await memory.get("e"), 5);
    assert.deepEqual((await memory.getMemorySize()).fields, { e: 1 });
    await memory.set("p", 1);
    await memory.set("p", 2, { ttl: 5 });
    assert.ok((await raw.pTTL(fieldKey(id, "p"))) <= 5000);
    await memory.set("p", 3); // back to the conversation TTL
    assert.ok((await raw.pTTL(fieldKey(id, "p"))) > 3_000_000);
    // A pinned list returns to the conversation TTL with its next append (a script: not known to follow).
    await memory.set("pl", [1], { ttl: 5 });
    assert.ok((await raw.pTTL(fieldKey(id, "pl"))) <= 5000);
    assert.equal(await memory.append("pl", 2), 2);
    assert.ok((await raw.pTTL(fieldKey(id, "pl"))) > 3_000_000);
    // Another process pins it: once A's window has passed, A's next write returns it too.
    await b.getMemory(id).set("p", 4, { ttl: 5 });
    await sleep(WINDOW_MS + 100);
    await memory.set("p", 5);
    assert.ok((await raw.pTTL(fieldKey(id, "p"))) > 3_000_000);
  });

  it("sizes and stats count list elements appended by RPUSHX", async () => {
    const id = freshId();
    const memory = a.getMemory(id);
    await memory.append("l", "x");
    for (let i = 0; i < 20; i++) await memory.append("l", "abcdefgh"); // 10 bytes each
    await memory.set("s", "abc");
    await memory.set("s", "abcdef");
    assert.deepEqual((await memory.getMemorySize()).fields, { l: 203, s: 8 });
    const stats = await b.getStats();
    const entry = stats.conversations.find((c) => c.conversationId === id);
    assert.equal(entry?.totalSizeBytes, 211);
    // A script on the list (pop) brings the recorded size up to date, then subtracts.
    assert.equal(await memory.pop("l", 0), "x");
    await memory.append("l", "z"); // fast again
    assert.deepEqual((await b.getMemory(id).getMemorySize()).fields, { l: 203, s: 8 });
    await memory.append("l", "y", { maxLength: 3 }); // script with rotation
    assert.deepEqual(await memory.getList("l"), ["abcdefgh", "z", "y"]);
    assert.deepEqual((await b.getMemory(id).getMemorySize()).fields, { l: 16, s: 8 });
  });

  it("expiry stays exact to the second: fast writes do not extend a conversation beyond the window", async () => {
    const short = createMemoryManager({ redis: server.url, defaultTtl: 1 });
    try {
      const memory = short.getMemory(freshId());
      await memory.set("x", 1);
      await memory.set("x", 2); // fast
      await sleep(1300);
      assert.equal(await memory.get("x"), undefined);
      // Writes every 150 ms keep it alive: a script renews it at least every 250 ms.
      await memory.set("y", 0);
      for (let i = 1; i <= 12; i++) {
        await sleep(150);
        await memory.set("y", i);
        assert.equal(await b.getMemory(memory.conversationId).get("y"), i);
      }
      await sleep(500);
      assert.equal(await b.getMemory(memory.conversationId).get("y"), 12);
    } finally {
      await short.close();
    }
  });

  it("TTLs under 10 s keep physical expiry equal to the deadline; longer ones renew it lazily", async () => {
    const id = freshId();
    await a.getMemory(id).update({ x: 1, l: [1] });
    assert.ok((await raw.pTTL(fieldKey(id, "x"))) > 7_000_000, "lazy: now + 2 TTL");
    // Another process shortens the TTL: every key now expires exactly with the conversation, so
    // a plain command of A's (its window still open) can never find a key of a dead conversation.
    await b.getMemory(id).setTtl(2);
    for (const f of ["x", "l"]) {
      const pttl = await raw.pTTL(fieldKey(id, f));
      assert.ok(pttl > 1000 && pttl <= 2000, `${f}: ${pttl}`);
    }
    await a.getMemory(id).set("x", 2);
    await a.getMemory(id).append("l", 2);
    await sleep(2200);
    assert.equal(await a.getMemory(id).get("x"), undefined);
    assert.deepEqual(await a.getMemory(id).getList("l"), []);
    assert.equal(await raw.exists([fieldKey(id, "x"), fieldKey(id, "l")]), 0);
    // A new conversation: the expired one's setTtl value went with it.
    assert.equal(await a.getMemory(id).incr("x"), 1);
    assert.equal(await a.getMemory(id).getTtl(), 3600);
  });

  it("the window is an eighth of the default TTL: a write 200 ms later on a 1 s TTL renews", async () => {
    const short = createMemoryManager({ redis: server.url, defaultTtl: 1 });
    try {
      const memory = short.getMemory(freshId());
      await memory.set("x", 1);
      await sleep(200);
      await memory.set("x", 2); // after the 125 ms window: a script, which renews
      await sleep(900);
      assert.equal(await memory.get("x"), 2, "alive 1.1 s after the first write, 0.9 s after the second");
    } finally {
      await short.close();
    }
  });

  it("addMessage with a generated id is one RPUSHX, timestamped from the server clock; ids stay idempotent", async () => {
    const id = freshId();
    const memory = a.getMemory(id);
    await memory.addMessage("user", "first"); // the script: opens the window, samples the clock
    const before = await calls(raw);
    const added = [];
    for (let i = 0; i < 20; i++) added.push(await memory.addMessage("user", `m${i}`));
    const now = await calls(raw);
    assert.ok(delta(before, now, "rpushx") >= 10, `RPUSHX used ${delta(before, now, "rpushx")} times`);
    const [secs, micros] = (await raw.sendCommand(["TIME"])) as [string, string];
    const serverNow = Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
    for (let i = 1; i < added.length; i++) {
      assert.ok((added[i]?.timestamp ?? 0) >= (added[i - 1]?.timestamp ?? 0), "timestamps never go back");
    }
    const last = added.at(-1)?.timestamp ?? 0;
    assert.ok(last <= serverNow + 5 && last > serverNow - 5000, `timestamp ${last} vs server ${serverNow}`);
    // The stored messages are exactly the returned ones.
    const stored = await b.getMemory(id).getMessages({ limit: 20 });
    assert.deepEqual(stored, added);
    // Re-adding a message under an id the fast path pushed (from either process) adds nothing.
    const again = await b.getMemory(id).addMessage("user", "changed", {}, { id: added[3]?.id ?? "" });
    assert.deepEqual(again, added[3]);
    const again2 = await memory.addMessage("user", "changed", {}, { id: added[19]?.id ?? "" });
    assert.deepEqual(again2, added[19]);
    assert.equal(await memory.getMessageCount(), 21);
    // The id index has the conversation's deadline, and sizes count every message.
    assert.ok((await raw.pTTL(`memory:mids:{${id}}`)) > 3_000_000);
    const bytes = [...(await raw.lRange(fieldKey(id, "messages"), 0, -1))].reduce(
      (n, m) => n + Buffer.byteLength(m),
      0,
    );
    assert.equal((await b.getMemory(id).getMemorySize()).fields.messages, bytes);
  });

  it("rotation drops fast-pushed messages and forgets their ids", async () => {
    const memory = a.getMemory(freshId());
    await memory.addMessage("user", "first");
    const added = [];
    for (let i = 0; i < 5; i++) added.push(await memory.addMessage("user", `m${i}`));
    await memory.addMessage("user", "last", {}, { maxMessages: 2 });
    assert.deepEqual(
      (await memory.getMessages()).map((m) => m.content),
      ["m4", "last"],
    );
    const back = await memory.addMessage("user", "back", {}, { id: added[0]?.id ?? "" });
    assert.equal(back.content, "back", "a dropped message's id may be added again");
    const kept = await memory.addMessage("user", "dup", {}, { id: added[4]?.id ?? "" });
    assert.equal(kept.content, "m4");
    assert.equal(await memory.getMessageCount(), 3);
  });

  it("the window follows a setTtl of this process: a write 400 ms later on a 2 s TTL renews", async () => {
    const memory = a.getMemory(freshId()); // defaultTtl 3600: a 900 ms window by default
    await memory.setTtl(2);
    await memory.set("x", 1);
    await sleep(400);
    await memory.set("x", 2); // after the 250 ms window of a 2 s TTL: a script, which renews
    await sleep(1800);
    assert.equal(await memory.get("x"), 2, "alive 2.2 s after the first write, 1.8 s after the second");
  });

  it("a write after a cleanup sweep removed the live conversation revives it", async () => {
    const id = freshId();
    await a.getMemory(id).set("x", 1);
    await a.getMemory(id).incr("n");
    await sleep(20);
    assert.ok((await b.cleanupExpiredConversations({ maxAgeSeconds: 0 })) >= 1);
    await a.getMemory(id).set("x", 2);
    assert.equal(await a.getMemory(id).incr("n"), 1);
    assert.deepEqual(sorted(await b.getMemory(id).items()), [
      ["n", 1],
      ["x", 2],
    ]);
    assert.ok((await raw.pTTL(fieldKey(id, "x"))) > 3_000_000);
  });
});

/**
 * The eleven anomalies of issue 11 (an adversarial review of dfbd861, whose plain-command fast
 * paths rested on a process's belief about what other processes did), each as a test that
 * failed there and must pass here, plus the invariants the write path keeps: every key
 * expires (unless made persistent), physical expiry within one TTL of the deadline, the
 * message-id index living exactly as long as the history, `lastActivity` = the last write,
 * and a `Promise.all` of calls on one manager equal to the same calls awaited one by one.
 *
 * Managers `a`, `b`, `c` stand for three processes (each its own connection).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import {
  createMemoryManager,
  type MemoryManager,
  type MemoryManagerOptions,
  ValidationError,
  WrongTypeError,
} from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId, sleep } from "../helpers/targets.js";

type Raw = ReturnType<typeof createClient>;

/** Every key starting with `start` with its PTTL (ms; -1 = no expiry). SCAN: tests only. */
async function pttls(raw: Raw, start: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const keys of raw.scanIterator({ MATCH: `${start}*`, COUNT: 1000 })) {
    for (const key of keys) out.set(key, await raw.pTTL(key));
  }
  return out;
}

/**
 * Asserts that no key of a conversation under `prefix` lacks an expiry (none of these tests
 * makes anything persistent). Registry buckets (`:reg:`) are keyspace-level indexes, not keys
 * of a conversation: they persist by design.
 */
async function assertAllExpire(raw: Raw, start: string, atMostMs?: number): Promise<void> {
  for (const [key, ms] of await pttls(raw, start)) {
    if (ms === -2 || key.includes(":reg:{")) continue; // expired between SCAN and PTTL; registry
    assert.notEqual(ms, -1, `key ${key} has no expiry`);
    if (atMostMs !== undefined) assert.ok(ms <= atMostMs, `key ${key} expires in ${ms} ms > ${atMostMs}`);
  }
}

/** Waits until `m` answers again (its connection was killed). */
async function reconnected(m: MemoryManager): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await m.getMemory("ping").has("x");
      return;
    } catch (err) {
      if (i > 100) throw err;
      await sleep(20);
    }
  }
}

describe("exact by construction (issue 11)", () => {
  let server: RedisServer;
  let raw: Raw;
  const open: MemoryManager[] = [];
  const manager = (options: MemoryManagerOptions = {}): MemoryManager => {
    const m = createMemoryManager({ redis: server.url, ...options });
    open.push(m);
    return m;
  };

  before(async () => {
    server = await startRedis();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  after(async () => {
    await Promise.all(open.map((m) => m.close()));
    await raw.close();
    await server.stop();
  });

  it("1: a write without ttl returns a pinned field to the conversation TTL, even issued right behind the pin", async () => {
    const a = manager();
    const b = manager();
    const m = a.getMemory(freshId());
    await m.set("f", 0);
    void m.set("f", 1, { ttl: 1 });
    await m.set("f", "keep me");
    await m.set("n", 0);
    void m.set("n", 1, { ttl: 1 });
    await m.incr("n");
    await m.append("l", 0);
    void m.set("l", [1], { ttl: 1 });
    await m.append("l", 2);
    // Across managers: A has just written f2 (its old fast-path window), B pins it, A writes it again.
    const id = freshId();
    await a.getMemory(id).set("f2", 0);
    await b.getMemory(id).set("f2", 1, { ttl: 1 });
    await a.getMemory(id).set("f2", "keep me too");
    await sleep(1300);
    assert.equal(await m.get("f"), "keep me");
    assert.equal(await m.get("n"), 2);
    assert.deepEqual(await m.get("l"), [1, 2]);
    assert.equal(await a.getMemory(id).get("f2"), "keep me too");
  });

  it("2: no lost increment, and a typed error, when another process removed the counter", async () => {
    const [a, b, c] = [manager(), manager(), manager()];
    for (let round = 0; round < 20; round++) {
      const id = freshId();
      await a.getMemory(id).incr("n");
      await c.getMemory(id).delete("n");
      const results = await Promise.all([a.getMemory(id).incr("n"), b.getMemory(id).incr("n")]);
      assert.deepEqual(
        results.sort((x, y) => x - y),
        [1, 2],
      );
      assert.equal(await c.getMemory(id).get("n"), 2);
      // With B appending instead: one of them wins, the other gets WrongTypeError.
      await a.getMemory(id).incr("m");
      await c.getMemory(id).delete("m");
      const [incr, append] = await Promise.allSettled([
        a.getMemory(id).incr("m"),
        b.getMemory(id).append("m", "x"),
      ]);
      const loser = incr.status === "rejected" ? incr : append;
      assert.ok((incr.status === "fulfilled") !== (append.status === "fulfilled"), "exactly one succeeds");
      assert.ok(loser.status === "rejected" && loser.reason instanceof WrongTypeError, String(loser));
    }
  });

  it("3: calls issued together take effect in call order, whatever another manager did", async () => {
    const [a, b] = [manager(), manager()];
    for (let round = 0; round < 10; round++) {
      const m = a.getMemory(freshId());
      await m.set("f", 1);
      const [deleted, , got] = await Promise.all([m.delete("f"), m.set("f", 5), m.get("f")]);
      assert.equal(deleted, true);
      assert.equal(got, 5);
      await m.addMessage("user", "old");
      const [, added, history] = await Promise.all([
        m.delete("messages"),
        m.addMessage("user", "new"),
        m.getMessages(),
      ]);
      assert.deepEqual(
        history.map((x) => x.content),
        ["new"],
      );
      assert.equal(history[0]?.id, added.id);

      // After another manager's clearAll inside this manager's (old) window.
      const id = freshId();
      const own = a.getMemory(id);
      await own.set("x", 1);
      await b.getMemory(id).clearAll();
      const [message, messages] = await Promise.all([own.addMessage("user", "hi"), own.getMessages()]);
      assert.deepEqual(messages, [message]);
      await b.getMemory(id).clearAll();
      const [, n] = await Promise.all([own.set("x", 10), own.incr("x")]);
      assert.equal(n, 11);
      assert.equal(await own.get("x"), 11);
      await b.getMemory(id).clearAll();
      await own.set("x", 1);
      const [incremented, removed] = await Promise.all([own.incr("x"), own.delete("x")]);
      assert.equal(incremented, 2);
      assert.equal(removed, true);
      assert.equal(await own.has("x"), false);
    }
  });

  it("3: modify and remove hold the calls issued after them", async () => {
    const a = manager();
    const m = a.getMemory(freshId());
    await m.set("x", 1);
    const [modified, , after] = await Promise.all([
      m.modify("x", (v) => (v as number) + 1),
      m.set("x", 100),
      m.get("x"),
    ]);
    assert.equal(modified, 2);
    assert.equal(after, 100);
    const [got] = await Promise.all([m.get("x"), m.modify("x", async (v) => (v as number) * 2)]);
    assert.equal(got, 100);
    assert.equal(await m.get("x"), 200);
    await m.extend("l", [1, 2, 3]);
    const [removed, list, length] = await Promise.all([m.remove("l", 2), m.getList("l"), m.listLength("l")]);
    assert.equal(removed, true);
    assert.deepEqual(list, [1, 3]);
    assert.equal(length, 2);
  });

  it("4: cleanup never deletes a conversation written a moment ago; lastActivity is the last write", async () => {
    const prefix = `exact4-${freshId("p")}`;
    const a = manager({ keyPrefix: prefix });
    for (let round = 0; round < 4; round++) {
      const m = a.getMemory(freshId());
      await m.set("a", 1);
      await sleep(400);
      const before = await a.getMemory(m.conversationId).getTtl(); // a read: not a write
      assert.ok(before !== undefined);
      const wroteAt = Date.now();
      await m.set("a", 2);
      await sleep(300);
      await a.cleanupExpiredConversations({ maxAgeSeconds: 0.5 });
      assert.equal(await m.get("a"), 2, "a conversation written 0.3 s ago survives cleanup");
      let seen = false;
      for await (const c of a.conversations()) {
        if (c.conversationId !== m.conversationId) continue;
        seen = true;
        assert.ok(
          c.lastActivity >= wroteAt - 50,
          `lastActivity ${c.lastActivity} before the last write ${wroteAt}`,
        );
      }
      assert.ok(seen);
      await a.cleanupConversation(m.conversationId);
    }
  });

  it("5: a write after another process's setTtl lasts that TTL", async () => {
    const [a, b] = [manager(), manager()];
    const id = freshId();
    await b.getMemory(id).setTtl(1);
    await a.getMemory(id).set("a", 1);
    await sleep(800);
    await a.getMemory(id).set("a", 2);
    await sleep(500);
    assert.equal(await a.getMemory(id).get("a"), 2);
    const ttl = await a.getMemory(id).getTtl();
    assert.ok(ttl !== undefined && ttl !== null && ttl <= 1, String(ttl));
  });

  it("6: no key is left without TTL by a call in flight during close(), a dropped connection or a timeout", async () => {
    const prefix = `exact6-${freshId("p")}`;
    const c = manager({ keyPrefix: prefix });
    for (let round = 0; round < 10; round++) {
      const id = freshId();
      // close() while an incr is in flight, after another process removed the counter.
      const a = createMemoryManager({ redis: server.url, keyPrefix: prefix });
      await a.getMemory(id).incr("n");
      await c.getMemory(id).delete("n");
      const inFlight = a.getMemory(id).incr("n");
      const closing = a.close();
      await Promise.allSettled([inFlight, closing]);
      // A dropped connection (CLIENT KILL of every other client) while an incr is in flight.
      const d = createMemoryManager({ redis: server.url, keyPrefix: prefix });
      await d.getMemory(id).incr("k");
      await c.getMemory(id).delete("k");
      const pending = d.getMemory(id).incr("k");
      await raw.sendCommand(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
      await Promise.allSettled([pending]);
      await d.close();
      await reconnected(c);
      // What a fresh reader sees is consistent: a key the API cannot see is gone or expiring.
      const fresh = c.getMemory(id);
      const keys = await fresh.keys();
      for (const field of ["n", "k"]) {
        const value = await fresh.get(field);
        assert.equal(keys.includes(field), value !== undefined, `${field}: keys() and get() agree`);
      }
    }
    // A timeout during a Redis stall.
    const t = createMemoryManager({ redis: server.url, keyPrefix: prefix, timeoutMs: 200 });
    const id = freshId();
    await t.getMemory(id).incr("n");
    await c.getMemory(id).delete("n");
    await reconnected(c);
    await raw.sendCommand(["CLIENT", "PAUSE", "600", "ALL"]);
    await t
      .getMemory(id)
      .incr("n")
      .catch(() => undefined);
    await sleep(700);
    await t.close();
    await assertAllExpire(raw, `${prefix}:`);
    // And cleanup reaches every key: nothing of these conversations is left outside the bookkeeping.
    await manager({ keyPrefix: prefix }).cleanupExpiredConversations({ maxAgeSeconds: 0 });
    const left = [...(await pttls(raw, `${prefix}:`)).keys()].filter((key) => !key.includes(":reg:{"));
    assert.deepEqual(left, []);
  });

  it("7: clearAll and a shorter setTtl leave no key outlasting the conversation by more than one TTL", async () => {
    const prefix = `exact7-${freshId("p")}`;
    const a = manager({ keyPrefix: prefix });
    const m = a.getMemory(freshId());
    await m.setTtl(60);
    await m.set("p", 1, { ttl: null });
    await m.clearAll();
    const meta = await pttls(raw, `${prefix}:`);
    for (const [key, ms] of meta) {
      if (key.includes(":reg:")) continue;
      assert.ok(ms > 0 && ms <= 60_000, `${key} expires in ${ms} ms`);
    }
    // The kept setting still applies to the next write.
    await m.set("q", 1);
    const q = await m.getTtl();
    assert.ok(q !== undefined && q !== null && q > 55 && q <= 60, String(q));

    const n = a.getMemory(freshId());
    await n.set("x", 1);
    await n.append("l", 1);
    await n.addMessage("user", "hi", {}, { id: "m1" });
    await n.setTtl(10);
    await assertAllExpire(raw, `${prefix}:conv:{${n.conversationId}}`, 20_000);
    await assertAllExpire(raw, `${prefix}:meta:{${n.conversationId}}`, 20_000);
    await assertAllExpire(raw, `${prefix}:mids:{${n.conversationId}}`, 20_000);

    // A pin released (the field written again without ttl) gives the meta hash its expiry back.
    const r = a.getMemory(freshId());
    await r.set("p", 1, { ttl: null });
    await r.set("p", 2);
    await assertAllExpire(raw, `${prefix}:meta:{${r.conversationId}}`, 7_200_000);
    await r.set("p", 3, { ttl: null });
    await r.delete("p");
    await r.set("o", 1);
    await assertAllExpire(raw, `${prefix}:meta:{${r.conversationId}}`, 7_200_000);

    // Another manager with a shorter default TTL: physical expiry follows within one TTL.
    const s = a.getMemory(freshId());
    await s.set("x", 1);
    await s.set("y", 1);
    await manager({ keyPrefix: prefix, defaultTtl: 5 }).getMemory(s.conversationId).set("x", 2);
    await assertAllExpire(raw, `${prefix}:conv:{${s.conversationId}}`, 10_000);
  });

  it("invariant: the first write of every kind leaves every key of the conversation expiring within 2 TTL", async () => {
    const prefix = `first-${freshId("p")}`;
    const a = manager({ keyPrefix: prefix, defaultTtl: 100 });
    const writes: Array<(m: ReturnType<MemoryManager["getMemory"]>) => Promise<unknown>> = [
      (m) => m.set("x", 1),
      (m) => m.set("x", [1, 2]),
      (m) => m.set("x", 1, { ttl: 50 }),
      (m) => m.update({ x: 1, y: [] }),
      (m) => m.incr("x"),
      (m) => m.append("x", 1),
      (m) => m.extend("x", [1, 2]),
      (m) => m.insert("x", 0, 1),
      (m) => m.addMessage("user", "hi"),
      (m) => m.addMessage("user", "hi", {}, { id: "a" }),
      (m) => m.setTtl(30),
      (m) => m.modify("x", () => 1),
    ];
    for (const write of writes) {
      const m = a.getMemory(freshId());
      await write(m);
      for (const part of ["conv", "meta", "mids"]) {
        await assertAllExpire(raw, `${prefix}:${part}:{${m.conversationId}}`, 200_000);
      }
      const keys = await pttls(raw, `${prefix}:meta:{${m.conversationId}}`);
      assert.equal(keys.size, 1, "the meta hash exists");
    }
  });

  it("8: the message-id index lives as long as the history, at most one TTL longer (pop, remove, insert)", async () => {
    const a = manager({ defaultTtl: 3 });
    const m = a.getMemory(freshId());
    await m.addMessage("user", "one", {}, { id: "m1" });
    await m.addMessage("user", "two", {}, { id: "m2" });
    await sleep(2500);
    await m.pop("messages");
    await sleep(1000);
    const again = await m.addMessage("user", "one again", {}, { id: "m1" });
    assert.equal(again.content, "one");
    assert.equal(await m.getMessageCount(), 1);
    const historyKey = `memory:conv:{${m.conversationId}}:messages`;
    const idsKey = `memory:mids:{${m.conversationId}}`;
    for (const step of [
      () => m.insert("messages", 0, { id: "m0", role: "user", content: "zero", timestamp: 1, metadata: {} }),
      () => m.remove("messages", { id: "m0", role: "user", content: "zero", timestamp: 1, metadata: {} }),
      () => m.addMessage("user", "three", {}, { id: "m3" }),
      () => m.pop("messages", 0),
    ]) {
      await sleep(300);
      await step();
      const [history, ids] = await Promise.all([raw.pTTL(historyKey), raw.pTTL(idsKey)]);
      assert.ok(history > 0, `history expires (${history})`);
      // At least as long as the history, at most one TTL (3 s) longer: renewed once per TTL.
      assert.ok(ids >= history - 50 && ids <= history + 3050, `history ${history} ms, id index ${ids} ms`);
    }
  });

  it("9: incr of a counter holding 0 renews it with the conversation", async () => {
    const a = manager({ defaultTtl: 2 });
    const m = a.getMemory(freshId());
    const start = Date.now();
    await m.update({ n: 0, k: "x" });
    await sleep(150);
    assert.equal(await m.incr("n"), 1);
    // Around the old deadline (2 s) and the new one (2.15 s): each read is one atomic step, so it
    // sees both fields or neither — never a half-expired conversation.
    await sleep(1800 - (Date.now() - start));
    while (Date.now() - start < 2600) {
      const items = await m.items();
      assert.ok(items.length === 0 || items.length === 2, `half-expired: ${JSON.stringify(items)}`);
      await sleep(15);
    }
  });

  it("10: an increment beyond the safe range changes nothing, even with a concurrent one", async () => {
    const [a, b] = [manager(), manager()];
    for (let round = 0; round < 30; round++) {
      const id = freshId();
      await a.getMemory(id).set("n", Number.MAX_SAFE_INTEGER);
      const [up, down] = await Promise.allSettled([
        a.getMemory(id).incr("n", 1),
        b.getMemory(id).incr("n", -1),
      ]);
      assert.ok(up.status === "rejected" && up.reason instanceof ValidationError, String(up));
      assert.ok(down.status === "fulfilled");
      assert.equal(down.value, Number.MAX_SAFE_INTEGER - 1);
      assert.equal(await a.getMemory(id).get("n"), Number.MAX_SAFE_INTEGER - 1);
    }
  });

  it("11: a write delayed past the conversation's deadline lands on a live conversation", async () => {
    // TTL 10 s: the old design renewed physical expiry lazily from 10 s up, so its plain SET found
    // the dead conversation's key after the stall and wrote into it.
    const a = manager({ defaultTtl: 10, timeoutMs: 30_000 });
    const m = a.getMemory(freshId());
    await m.set("x", 1);
    await raw.sendCommand(["CLIENT", "PAUSE", "10300", "WRITE"]);
    await m.set("x", 2); // decided now, executed after the pause: the conversation died meanwhile
    assert.equal(await m.get("x"), 2);
    const ttl = await m.getTtl();
    assert.ok(ttl === 10, String(ttl));
  });

  it("invariant: a Promise.all of calls on one manager equals the same calls awaited one by one", async () => {
    const a = manager();
    const script = (m: ReturnType<MemoryManager["getMemory"]>) => [
      () => m.set("a", 1),
      () => m.incr("a", 2),
      () => m.get("a"),
      () => m.append("l", "x"),
      () => m.delete("a"),
      () => m.incr("a"),
      () => m.extend("l", ["y", "z"]),
      () => m.pop("l", 0),
      () => m.getList("l"),
      () => m.modify("a", (v) => (v as number) * 10),
      () => m.set("a", 7, { ttl: 100 }),
      () => m.get("a"),
      () => m.addMessage("user", "hi", {}, { id: "i1" }),
      () => m.addMessage("user", "again", {}, { id: "i1" }),
      () => m.getMessageCount(),
      () => m.remove("l", "z"),
      () => m.keys(),
      () => m.clearAll(),
      () => m.has("l"),
      () => m.update({ b: 1, c: [1] }),
      () => m.items(),
    ];
    const strip = (v: unknown) =>
      v === undefined ? "undefined" : JSON.parse(JSON.stringify(v, (k, x) => (k === "timestamp" ? 0 : x)));
    const sequential: unknown[] = [];
    for (const call of script(a.getMemory(freshId()))) sequential.push(strip(await call()));
    const together = (await Promise.all(script(a.getMemory(freshId())).map((call) => call()))).map(strip);
    assert.deepEqual(together, sequential);
  });
});

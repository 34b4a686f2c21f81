/**
 * One pass over the whole public API — every `ConversationMemory` method (each list branch:
 * head, middle, tail, rotation), conversation and field TTLs, stats, cleanup — checking each
 * result. It reaches every Redis command convmem's scripts can call, so running it as a
 * restricted ACL user (or over TLS) shows that convmem works there in full, not just for `get`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type MemoryManager, ValidationError } from "../../src/index.js";

/** Runs the workload on fresh conversations of `manager`; throws at the first failure. */
export async function exercise(manager: MemoryManager): Promise<void> {
  // Written first, so its last write is well before the cleanup at the end.
  const swept = manager.getMemory(`wl-swept-${randomUUID()}`);
  await swept.set("x", 1);
  const id = `wl-{${randomUUID()}}:*`;
  const memory = manager.getMemory(id);
  await memory.set("prefs", { lang: "en" });
  await memory.set("pinned", 1, { ttl: null });
  await memory.set("short", 2, { ttl: 60 });
  await memory.update({ a: 1, b: [1, 2] });
  assert.deepEqual(await memory.get("prefs"), { lang: "en" });
  assert.equal(await memory.require("a"), 1);
  assert.equal(await memory.has("a"), true);
  assert.equal(await memory.delete("a"), true);
  assert.deepEqual(await memory.keys(), ["b", "pinned", "prefs", "short"]);
  assert.equal((await memory.items()).length, 4);
  assert.equal(await memory.incr("n", 2), 2);
  assert.equal(await memory.modify("n", (n) => Number(n) + 1), 3);
  // Right after a write script: the fast paths' plain commands.
  await memory.set("hot", 1);
  await memory.set("hot", 2); // SET … XX KEEPTTL
  assert.equal(await memory.get("hot"), 2); // GET
  assert.equal(await memory.has("hot"), true); // TYPE
  assert.equal(await memory.incr("hot", 1), 3); // INCRBY
  await memory.set("big", Number.MAX_SAFE_INTEGER);
  // INCRBY beyond the safe range, undone with DECRBY (any other error propagates as it is).
  await memory.incr("big").then(
    () => assert.fail("incr beyond the safe range must reject"),
    (err: unknown) => {
      if (!(err instanceof ValidationError)) throw err;
    },
  );
  assert.equal(await memory.append("hotlist", 1), 1);
  assert.equal(await memory.append("hotlist", 2), 2); // RPUSHX
  assert.deepEqual(await memory.getList("hotlist"), [1, 2]); // LRANGE
  assert.equal(await memory.listLength("hotlist"), 2); // LLEN

  assert.equal(await memory.append("log", "a"), 1);
  assert.equal(await memory.extend("log", ["b", "c", "d"], { maxLength: 3 }), 3); // rotation
  assert.equal(await memory.insert("log", 0, "head"), 4);
  assert.equal(await memory.insert("log", 2, "mid"), 5);
  assert.deepEqual(await memory.getList("log"), ["head", "b", "mid", "c", "d"]);
  assert.equal(await memory.pop("log"), "d");
  assert.equal(await memory.pop("log", 0), "head");
  assert.equal(await memory.pop("log", 1), "mid");
  assert.equal(await memory.remove("log", "c"), true);
  assert.equal(await memory.remove("log", "b"), true);
  assert.deepEqual(await memory.getList("log", { start: 0, end: 5 }), []);
  assert.equal(await memory.listLength("log"), 0);

  await memory.addMessage("user", "hi", { channel: "sms" }, { id: "m1" });
  await memory.addMessage("user", "hi", { channel: "sms" }, { id: "m1" }); // redelivered
  await memory.addMessage("assistant", "hello", {}, { id: "m2", maxMessages: 1 }); // drops m1
  assert.deepEqual(
    (await memory.getMessages({ limit: 5 })).map((m) => m.id),
    ["m2"],
  );
  assert.equal(await memory.getMessageCount(), 1);
  // Paging back, token windows, edits and compaction.
  for (const n of [3, 4, 5, 6]) await memory.addMessage("user", `m${n}`, {}, { id: `m${n}` });
  assert.deepEqual(
    (await memory.getMessages({ before: "m5", limit: 2 })).map((m) => m.id),
    ["m3", "m4"],
  );
  assert.equal((await memory.getMessages({ maxTokens: 10_000 })).length, 5);
  assert.equal((await memory.updateMessage("m4", { content: "edited" })).content, "edited");
  assert.equal(await memory.deleteMessage("m4"), true);
  const compaction = await memory.compactMessages({ keepLast: 1, summarize: () => ({ content: "summary" }) });
  assert.equal(compaction.compacted, 3); // m2, m3, m5
  assert.equal((await memory.addMessage("user", "again", {}, { id: "m3" })).content, "summary");
  // Map fields, multi-get, batches, list compare-and-set.
  assert.equal(await memory.mapSet("cp", "a", { v: 1 }), true);
  assert.deepEqual(await memory.mapGet("cp", "a"), { v: 1 });
  assert.deepEqual(await memory.mapGetMany("cp", ["a", "b"]), [{ v: 1 }, undefined]);
  assert.deepEqual((await memory.mapKeys("cp")).keys, ["a"]);
  assert.equal(await memory.mapSize("cp"), 1);
  assert.deepEqual(await memory.getMany(["prefs", { field: "cp", key: "a" }]), [{ lang: "en" }, { v: 1 }]);
  const applied = await memory.batch(
    [
      { op: "set", field: "state", value: 1 },
      { op: "extend", field: "items", values: [1, 2] },
      { op: "splice", field: "items", start: -1, deleteCount: 1, items: [3] },
      { op: "mapSet", field: "cp", key: "b", value: 2 },
      { op: "mapDelete", field: "cp", key: "a" },
    ],
    {
      operationId: "wl-op",
      guards: [
        { field: "state", absent: true },
        { field: "items", endsWith: [] },
      ],
    },
  );
  assert.equal(applied.replayed, false);
  assert.equal(await memory.replaceSuffix("items", [3], [4]), true);
  assert.equal(await memory.mapDelete("cp", "b"), true);

  await memory.setTtl(null);
  assert.equal(await memory.getTtl(), null);
  await memory.setTtl(120);
  assert.ok(((await memory.getTtl()) ?? 0) > 100);
  assert.ok((await memory.getMemorySize()).totalFields >= 5);
  assert.ok((await memory.clearAll()) >= 5);
  assert.equal(await memory.getTtl(), undefined);

  const other = manager.getMemory(`wl-other-${randomUUID()}`);
  await other.set("x", 1);
  const listed = (await manager.getStats()).conversations.map((c) => c.conversationId);
  assert.ok(listed.includes(other.conversationId), "stats list the conversation");
  assert.equal(await manager.cleanupConversation(other.conversationId), 1);
  assert.ok((await manager.cleanupExpiredConversations({ maxAgeSeconds: 0 })) >= 1);
  assert.equal(await swept.get("x"), undefined);
}

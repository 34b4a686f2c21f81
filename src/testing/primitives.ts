/**
 * The primitives the framework adapters share: map fields, multi-get, atomic batches (guards,
 * operation ids, all or none), and list compare-and-set.
 */
import assert from "node:assert/strict";
import {
  type ConversationMemory,
  GuardFailedError,
  OperationIdReusedError,
  SerializationError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith, sleep } from "./helpers.js";

type Memory = ConversationMemory<Record<string, unknown>, string>;

export function primitivesTests(t: ContractContext): void {
  const { describe, it } = t;
  const open = (): Memory => t.newManager().getMemory<Record<string, unknown>, string>(freshId("prim"));

  describe("map fields", () => {
    it("mapSet / mapGet / mapGetMany / mapDelete / mapSize, one key at a time", async () => {
      const memory = open();
      assert.equal(await memory.mapSize("cp"), 0);
      assert.equal(await memory.mapGet("cp", "a"), undefined);
      assert.equal(await memory.mapGet("cp", "a", "fallback"), "fallback");
      assert.equal(await memory.mapSet("cp", "a", { n: 1, deep: [1, { x: null }] }), true);
      assert.equal(await memory.mapSet("cp", "a", { n: 2 }), false, "replacing a key: not new");
      assert.equal(await memory.mapSet("cp", "b \u{1F600}:{x}", "two"), true);
      assert.deepEqual(await memory.mapGet("cp", "a"), { n: 2 });
      assert.deepEqual(await memory.mapGetMany("cp", ["b \u{1F600}:{x}", "missing", "a"]), [
        "two",
        undefined,
        { n: 2 },
      ]);
      assert.deepEqual(await memory.mapGetMany("cp", []), []);
      assert.equal(await memory.mapSize("cp"), 2);
      assert.equal(await memory.mapDelete("cp", "a"), true);
      assert.equal(await memory.mapDelete("cp", "a"), false);
      assert.equal(await memory.mapSize("cp"), 1);
      const copy = (await memory.mapGet("cp", "b \u{1F600}:{x}")) as string;
      assert.equal(copy, "two");
    });

    it("is a field like any other: get/items read it whole, has/keys/sizes/delete/clearAll see it", async () => {
      const memory = open();
      await memory.mapSet("cp", "k1", { v: 1 });
      await memory.mapSet("cp", "__proto__", "plain data");
      await memory.set("other", 1);
      const whole = (await memory.get("cp")) as Record<string, unknown>;
      assert.deepEqual(Object.keys(whole).sort(), ["__proto__", "k1"]);
      assert.equal(Object.getPrototypeOf(whole), Object.prototype, "__proto__ is a plain key");
      assert.equal(await memory.has("cp"), true);
      assert.deepEqual(await memory.keys(), ["cp", "other"]);
      assert.deepEqual(
        (await memory.items()).map(([f]) => f),
        ["cp", "other"],
      );
      const size = await memory.getMemorySize();
      const expected =
        Buffer.byteLength("k1") +
        Buffer.byteLength('{"v":1}') +
        Buffer.byteLength("__proto__") +
        Buffer.byteLength('"plain data"');
      assert.equal(size.fields.cp, expected, "a map's size: its keys' and values' bytes");
      assert.equal(await memory.delete("cp"), true);
      assert.equal(await memory.has("cp"), false);
      await memory.mapSet("cp", "k", 1);
      assert.equal(await memory.clearAll(), 2);
      assert.equal(await memory.mapSize("cp"), 0);
    });

    it("an emptied map stays an (empty) map field; set replaces a map; {} can start one", async () => {
      const memory = open();
      await memory.mapSet("cp", "k", 1);
      await memory.mapDelete("cp", "k");
      assert.equal(await memory.has("cp"), true);
      assert.deepEqual(await memory.get("cp"), {});
      assert.equal(await memory.mapSize("cp"), 0);
      assert.equal((await memory.getMemorySize()).fields.cp, 0);
      assert.equal(await memory.mapSet("cp", "again", true), true);
      await memory.set("cp", "now a string");
      assert.equal(await memory.get("cp"), "now a string");
      await rejectsWith(memory.mapGet("cp", "again"), WrongTypeError);
      await memory.set("fresh", {});
      assert.equal(await memory.mapSet("fresh", "k", 1), true);
      assert.deepEqual(await memory.get("fresh"), { k: 1 });
    });

    it("map operations on a non-map -> WrongTypeError (what it holds), changing nothing; list ops on a map too", async () => {
      const memory = open();
      await memory.set("s", "text");
      await memory.extend("l", [1]);
      await memory.mapSet("m", "k", 1);
      for (const field of ["s", "l"]) {
        await rejectsWith(memory.mapSet(field, "k", 1), WrongTypeError);
        await rejectsWith(memory.mapGet(field, "k"), WrongTypeError);
        await rejectsWith(memory.mapGetMany(field, ["k"]), WrongTypeError);
        await rejectsWith(memory.mapDelete(field, "k"), WrongTypeError);
        await rejectsWith(memory.mapKeys(field), WrongTypeError);
        await rejectsWith(memory.mapSize(field), WrongTypeError);
      }
      const err = await memory.mapSet("s", "k", 1).catch((e: unknown) => e);
      assert.ok(err instanceof WrongTypeError);
      assert.equal(err.expected, "a map");
      assert.equal(err.found, "a string");
      await rejectsWith(memory.append("m", 1), WrongTypeError);
      await rejectsWith(memory.getList("m"), WrongTypeError);
      await rejectsWith(memory.incr("m"), WrongTypeError);
      await rejectsWith(
        memory.modify("m", () => ({})),
        WrongTypeError,
      );
      assert.equal(await memory.get("s"), "text");
      assert.deepEqual(await memory.get("l"), [1]);
      assert.deepEqual(await memory.get("m"), { k: 1 });
    });

    it("mapKeys pages through every key (1,000 keys, small pages)", async () => {
      const memory = open();
      await memory.batch(
        Array.from({ length: 1000 }, (_, i) => ({
          op: "mapSet" as const,
          field: "big",
          key: `k${i}`,
          value: i,
        })),
      );
      assert.equal(await memory.mapSize("big"), 1000);
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await memory.mapKeys(
          "big",
          cursor === undefined ? { limit: 50 } : { cursor, limit: 50 },
        );
        for (const k of page.keys) seen.add(k);
        cursor = page.cursor;
        pages++;
      } while (cursor !== undefined && pages < 1000);
      assert.equal(seen.size, 1000);
      assert.ok(pages > 1, "paged");
      assert.deepEqual(await memory.mapKeys("missing"), { keys: [], cursor: undefined });
    });

    it("bad arguments -> ValidationError before any I/O; values as strict JSON, maxValueBytes per value", async () => {
      const memory = t.newManager({ maxValueBytes: 100 }).getMemory(freshId("prim"));
      await rejectsWith(memory.mapSet("m", "", 1), ValidationError);
      await rejectsWith(memory.mapSet("m", bad(5), 1), ValidationError);
      await rejectsWith(memory.mapSet("m", "\ud800", 1), ValidationError);
      await rejectsWith(memory.mapGetMany("m", bad("k")), ValidationError);
      await rejectsWith(memory.mapKeys("m", bad({ cursor: "x" })), ValidationError);
      await rejectsWith(memory.mapKeys("m", bad({ page: 2 })), ValidationError);
      await rejectsWith(memory.mapSet("m", "k", bad(undefined)), SerializationError);
      await rejectsWith(memory.mapSet("m", "k", "x".repeat(200)), ValueTooLargeError);
      assert.equal(await memory.has("m"), false);
    });

    if (t.capabilities.expiry) {
      it("expires with the conversation, as a unit", async () => {
        const memory = t.newManager({ defaultTtl: 1 }).getMemory(freshId("prim"));
        await memory.mapSet("m", "k", 1);
        await memory.set("x", 1);
        await sleep(1300);
        assert.equal(await memory.has("m"), false);
        assert.equal(await memory.mapGet("m", "k"), undefined);
        assert.equal(await memory.getTtl(), undefined);
      });
    }
  });

  describe("getMany", () => {
    it("fields and map keys in order, undefined for what is missing", async () => {
      const memory = open();
      await memory.update({ a: 1, b: [1, 2] });
      await memory.mapSet("m", "k", { deep: true });
      assert.deepEqual(
        await memory.getMany(["a", "b", "nope", { field: "m", key: "k" }, { field: "m", key: "x" }, "m"]),
        [1, [1, 2], undefined, { deep: true }, undefined, { k: { deep: true } }],
      );
      assert.deepEqual(await memory.getMany([]), []);
      await rejectsWith(memory.getMany([{ field: "a", key: "k" }]), WrongTypeError);
      await rejectsWith(memory.getMany(bad("a")), ValidationError);
      await rejectsWith(memory.getMany([bad({ field: "a", key: "k", extra: 1 })]), ValidationError);
    });
  });

  describe("batch", () => {
    it("applies every write in one step, with each write's own result", async () => {
      const memory = open();
      const outcome = await memory.batch([
        { op: "set", field: "s", value: { v: 1 } },
        { op: "append", field: "log", value: "a" },
        { op: "extend", field: "log", values: ["b", "c"], maxLength: 2 },
        { op: "splice", field: "log", start: 0, deleteCount: 1, items: ["B", "B2"] },
        { op: "addMessage", role: "user", content: "hi", id: "m1" },
        { op: "addMessage", role: "user", content: "hi again", id: "m1" },
        { op: "mapSet", field: "m", key: "k", value: 1 },
        { op: "mapDelete", field: "m", key: "nope" },
        { op: "setMap", field: "m2", entries: { x: 1, y: [2] } },
        { op: "delete", field: "s" },
        { op: "delete", field: "s" },
      ]);
      assert.equal(outcome.replayed, false);
      const [set, append, extend, splice, msg, again, mset, mdel, setMap, del, del2] = outcome.results ?? [];
      assert.equal(set, undefined);
      assert.equal(append, 1);
      assert.equal(extend, 2);
      assert.equal(splice, 3);
      assert.equal((msg as { content: string }).content, "hi");
      assert.deepEqual(again, msg, "a repeated id inside the batch adds nothing");
      assert.equal(mset, true);
      assert.equal(mdel, false);
      assert.equal(setMap, undefined);
      assert.equal(del, true);
      assert.equal(del2, false);
      assert.deepEqual(await memory.getList("log"), ["B", "B2", "c"]);
      assert.equal(await memory.getMessageCount(), 1);
      assert.deepEqual(await memory.get("m2"), { x: 1, y: [2] });
      assert.equal(await memory.mapSize("m2"), 2);
      assert.equal(await memory.has("s"), false);
    });

    it("a write that cannot apply (wrong kind) -> WrongTypeError, and no write of the batch lands", async () => {
      const memory = open();
      await memory.set("text", "a string");
      const before = await memory.items();
      const err = await memory
        .batch([
          { op: "set", field: "a", value: 1 },
          { op: "append", field: "log", value: 1 },
          { op: "append", field: "text", value: 2 },
        ])
        .catch((e: unknown) => e);
      assert.ok(err instanceof WrongTypeError);
      assert.match(err.message, /"text"/);
      assert.equal(err.found, "a string");
      await rejectsWith(
        memory.batch([
          { op: "set", field: "later", value: [1] },
          { op: "mapSet", field: "later", key: "k", value: 1 },
        ]),
        WrongTypeError,
      );
      await rejectsWith(
        memory.batch([
          { op: "mapSet", field: "mm", key: "k", value: 1 },
          { op: "splice", field: "mm", start: 0, deleteCount: 0, items: [1] },
        ]),
        WrongTypeError,
      );
      assert.deepEqual(await memory.items(), before, "nothing written");
    });

    it("a write too large or not JSON fails before any I/O, writing nothing", async () => {
      const memory = t.newManager({ maxValueBytes: 64 }).getMemory(freshId("prim"));
      await rejectsWith(
        memory.batch([
          { op: "set", field: "a", value: 1 },
          { op: "mapSet", field: "m", key: "k", value: "y".repeat(100) },
        ]),
        ValueTooLargeError,
      );
      await rejectsWith(
        memory.batch([
          { op: "set", field: "a", value: 1 },
          { op: "append", field: "l", value: bad(Number.NaN) },
        ]),
        SerializationError,
      );
      assert.deepEqual(await memory.keys(), []);
    });

    it("guards: equals, absent, endsWith, at + items, map key; a failed one writes nothing and says which", async () => {
      const memory = open();
      await memory.update({ v: 3, obj: { a: 1, b: [2] }, list: [1, 2, 3, 4] });
      await memory.mapSet("m", "k", "val");
      const write = [{ op: "set" as const, field: "done", value: true }];
      await memory.batch(write, {
        guards: [
          { field: "v", equals: 3 },
          { field: "obj", equals: { a: 1, b: [2] } },
          { field: "list", equals: [1, 2, 3, 4] },
          { field: "nope", absent: true },
          { field: "list", endsWith: [3, 4] },
          { field: "list", endsWith: [] },
          { field: "nope", endsWith: [] },
          { field: "list", at: 1, items: [2, 3] },
          { field: "list", at: -2, items: [3] },
          { field: "m", key: "k", equals: "val" },
          { field: "m", key: "x", absent: true },
        ],
      });
      assert.equal(await memory.get("done"), true);
      await memory.delete("done");
      const failing = [
        { field: "v", equals: 4 },
        { field: "v", absent: true as const },
        { field: "nope", equals: null },
        { field: "list", endsWith: [4, 3] },
        { field: "list", endsWith: [0, 1, 2, 3, 4] },
        { field: "list", at: 3, items: [4, 5] },
        { field: "v", endsWith: [] },
        { field: "m", key: "k", absent: true as const },
        { field: "m", key: "k", equals: "other" },
      ];
      for (const guard of failing) {
        const err = await memory
          .batch(write, { guards: [{ field: "v", equals: 3 }, guard] })
          .catch((e: unknown) => e);
        assert.ok(err instanceof GuardFailedError, `${JSON.stringify(guard)}: ${String(err)}`);
        assert.equal(err.code, "ERR_GUARD_FAILED");
        assert.equal(err.guardIndex, 1);
        assert.deepEqual(err.guard, guard);
      }
      assert.equal(await memory.has("done"), false, "no failed batch wrote");
      await rejectsWith(memory.batch(write, { guards: [bad({ field: "v" })] }), ValidationError);
      await rejectsWith(
        memory.batch(write, { guards: [bad({ field: "v", absent: false })] }),
        ValidationError,
      );
      await rejectsWith(
        memory.batch(write, { guards: [bad({ field: "v", equals: 1, extra: 2 })] }),
        ValidationError,
      );
    });

    it("operationId: a replay (another manager too) succeeds and changes nothing; another batch under it is refused", async () => {
      const id = freshId("prim");
      const memory = t.newManager().getMemory(id);
      const other = t.newManager().getMemory(id);
      const writes = [
        { op: "append" as const, field: "log", value: "once" },
        { op: "addMessage" as const, role: "user", content: "hi", id: "m1" },
      ];
      const first = await memory.batch(writes, { operationId: "op-1" });
      assert.equal(first.replayed, false);
      assert.deepEqual(await other.batch(writes, { operationId: "op-1" }), {
        replayed: true,
        results: undefined,
      });
      assert.deepEqual(await memory.batch(writes, { operationId: "op-1" }), {
        replayed: true,
        results: undefined,
      });
      assert.deepEqual(await memory.getList("log"), ["once"]);
      const err = await other
        .batch([{ op: "append", field: "log", value: "twice" }], { operationId: "op-1" })
        .catch((e: unknown) => e);
      assert.ok(err instanceof OperationIdReusedError);
      assert.equal(err.operationId, "op-1");
      // A guard that fails now does not matter to a replay: the batch was applied.
      const guarded = await memory.batch(writes, { operationId: "op-1", guards: [] });
      assert.equal(guarded.replayed, true);
      assert.deepEqual(await memory.getList("log"), ["once"]);
      await rejectsWith(
        memory.batch([{ op: "addMessage", role: "user", content: "x" }], { operationId: "op-2" }),
        ValidationError,
      );
      await rejectsWith(memory.batch(writes, bad({ operationId: "" })), ValidationError);
      // Forgotten with the conversation.
      await t.newManager().cleanupConversation(id);
      assert.equal((await memory.batch(writes, { operationId: "op-1" })).replayed, false);
    });

    it("concurrent batches with one operationId from several managers: exactly one applies", async () => {
      const id = freshId("prim");
      const managers = Array.from({ length: 5 }, () => t.newManager().getMemory(id));
      const outcomes = await Promise.all(
        managers.map((m) => m.batch([{ op: "append", field: "log", value: 1 }], { operationId: "race" })),
      );
      assert.equal(outcomes.filter((o) => !o.replayed).length, 1);
      assert.deepEqual(await managers[0]?.getList("log"), [1]);
    });

    it("bad batches -> ValidationError before any I/O", async () => {
      const memory = open();
      await rejectsWith(memory.batch([]), ValidationError);
      await rejectsWith(memory.batch(bad({ op: "set" })), ValidationError);
      await rejectsWith(memory.batch([bad({ op: "incr", field: "x" })]), ValidationError);
      await rejectsWith(memory.batch([bad({ op: "set", field: "x", value: 1, extra: 1 })]), ValidationError);
      await rejectsWith(
        memory.batch([bad({ op: "splice", field: "x", start: 0, deleteCount: -1 })]),
        ValidationError,
      );
      await rejectsWith(
        memory.batch([{ op: "set", field: "x", value: 1 }], bad({ guard: [] })),
        ValidationError,
      );
      assert.deepEqual(await memory.keys(), []);
    });
  });

  describe("list compare-and-set", () => {
    it("replaceSuffix: replaces the expected last elements atomically; false (unchanged) otherwise", async () => {
      const memory = open();
      assert.equal(await memory.replaceSuffix("items", [], [{ a: 1 }]), true, "a missing list ends with []");
      await memory.extend("items", [{ b: 2 }, { c: 3 }]);
      assert.equal(await memory.replaceSuffix("items", [{ b: 2 }, { c: 3 }], [{ bc: 23 }]), true);
      assert.deepEqual(await memory.getList("items"), [{ a: 1 }, { bc: 23 }]);
      assert.equal(await memory.replaceSuffix("items", [{ b: 2 }], []), false);
      assert.equal(await memory.replaceSuffix("items", [{ bc: 23 }], []), true);
      assert.equal(await memory.replaceSuffix("items", [], ["end"]), true);
      assert.deepEqual(await memory.getList("items"), [{ a: 1 }, "end"]);
      await memory.set("s", "x");
      await rejectsWith(memory.replaceSuffix("s", [], [1]), WrongTypeError);
    });

    it("replaceSlice: from an index (negative from the end)", async () => {
      const memory = open();
      await memory.extend("l", [0, 1, 2, 3]);
      assert.equal(await memory.replaceSlice("l", 1, [1, 2], ["x"]), true);
      assert.deepEqual(await memory.getList("l"), [0, "x", 3]);
      assert.equal(await memory.replaceSlice("l", -1, [3], [3, 4]), true);
      assert.deepEqual(await memory.getList("l"), [0, "x", 3, 4]);
      assert.equal(await memory.replaceSlice("l", 0, [1], []), false);
      assert.deepEqual(await memory.getList("l"), [0, "x", 3, 4]);
    });

    it("two writers racing on the same suffix: exactly one wins", async () => {
      const id = freshId("prim");
      const a = t.newManager().getMemory(id);
      const b = t.newManager().getMemory(id);
      await a.extend("l", ["base"]);
      const [ra, rb] = await Promise.all([
        a.replaceSuffix("l", ["base"], ["a"]),
        b.replaceSuffix("l", ["base"], ["b"]),
      ]);
      assert.equal(Number(ra) + Number(rb), 1);
      assert.deepEqual(await a.getList("l"), [ra ? "a" : "b"]);
    });

    it("on the history, the id index follows (a replaced message's id may be added again)", async () => {
      const memory = open();
      await memory.addMessage("user", "one", {}, { id: "m1" });
      const [m1] = await memory.getMessages();
      assert.equal(await memory.replaceSuffix("messages", [m1], []), true);
      assert.equal((await memory.addMessage("user", "one again", {}, { id: "m1" })).content, "one again");
      assert.equal(await memory.getMessageCount(), 1);
    });
  });
}

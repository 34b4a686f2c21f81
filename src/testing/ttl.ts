/** TTL: reading and setting it, and expiry observed in real time (`capabilities.expiry`). */
import assert from "node:assert/strict";
import { type ConversationMemory, DEFAULT_TTL, ValidationError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith, sleep, sortedKeys } from "./helpers.js";

/** getTtl() right after a write: the full TTL, give or take a second of rounding and latency. */
function assertTtlNear(actual: number | null | undefined, expected: number): void {
  assert.equal(typeof actual, "number", `expected a TTL near ${expected}s, got ${String(actual)}`);
  const ttl = actual as number;
  assert.ok(ttl <= expected && ttl >= expected - 2, `expected a TTL near ${expected}s, got ${ttl}`);
}

export function ttlTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("TTL: reading and setting", () => {
    it("getTtl is undefined for a conversation that does not exist", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.getTtl(), undefined);
      await memory.set("a", 1);
      await memory.delete("a");
      assert.equal(await memory.getTtl(), undefined, "a conversation whose last field is deleted is gone");
    });

    it("DEFAULT_TTL is 3600 and is the default", async () => {
      assert.equal(DEFAULT_TTL, 3600);
      const memory = t.newManager().getMemory(freshId());
      await memory.set("a", 1);
      assertTtlNear(await memory.getTtl(), DEFAULT_TTL);
    });

    it("applies defaultTtl to every write", async () => {
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(freshId());
      await memory.set("a", 1);
      assertTtlNear(await memory.getTtl(), 100);
      await memory.append("l", 1);
      await memory.addMessage("user", "hi");
      assertTtlNear(await memory.getTtl(), 100);
    });

    it("defaultTtl null: conversations never expire", async () => {
      const memory = t.newManager({ defaultTtl: null }).getMemory(freshId());
      await memory.set("a", 1);
      await memory.append("l", 1);
      await memory.incr("c");
      assert.equal(await memory.getTtl(), null);
    });

    it("setTtl(n) is reported by getTtl and sticks for later writes from another manager", async () => {
      const id = freshId();
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(id);
      await memory.set("a", 1);
      await memory.setTtl(1000);
      assertTtlNear(await memory.getTtl(), 1000);
      const other = t.newManager({ defaultTtl: 100 }).getMemory(id);
      await other.set("b", 2);
      await other.append("l", 1);
      assertTtlNear(await memory.getTtl(), 1000);
      assertTtlNear(await other.getTtl(), 1000);
    });

    it("setTtl(null) makes the conversation persistent, also for later writes", async () => {
      const id = freshId();
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(id);
      await memory.set("a", 1);
      await memory.setTtl(null);
      assert.equal(await memory.getTtl(), null);
      await t.newManager({ defaultTtl: 100 }).getMemory(id).set("b", 2);
      assert.equal(await memory.getTtl(), null);
    });

    it("setTtl and getTtl resolve to undefined / a number of seconds", async () => {
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(freshId());
      await memory.set("a", 1);
      assert.equal(await memory.setTtl(50), undefined);
      const ttl = await memory.getTtl();
      assertTtlNear(ttl, 50);
      assert.ok(Number.isInteger(ttl), "whole seconds");
    });

    it("rejects invalid ttls with ValidationError and writes nothing", async () => {
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(freshId());
      const invalid: unknown[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "10"];
      for (const ttl of invalid) {
        await rejectsWith(memory.set("f", 1, { ttl: bad(ttl) }), ValidationError);
        await rejectsWith(memory.setTtl(bad(ttl)), ValidationError);
      }
      assert.equal(await memory.has("f"), false);
      assert.equal(await memory.getTtl(), undefined);
      await memory.set("g", 1);
      for (const ttl of invalid) await rejectsWith(memory.setTtl(bad(ttl)), ValidationError);
      assertTtlNear(await memory.getTtl(), 100);
    });
  });

  if (!t.capabilities.expiry) return;
  // The tests below sleep for real; they use distinct conversations, so they run in parallel.
  describe("TTL: expiry", { concurrency: true }, () => {
    const writes: Record<string, (m: ConversationMemory) => Promise<unknown>> = {
      set: (m) => m.set("b", 1),
      update: (m) => m.update({ b: 1 }),
      append: (m) => m.append("b", 1),
      extend: (m) => m.extend("b", [1, 2]),
      incr: (m) => m.incr("b"),
      modify: (m) => m.modify("b", () => 1),
      addMessage: (m) => m.addMessage("user", "hi"),
    };
    for (const [name, write] of Object.entries(writes)) {
      it(`a conversation expires as a unit, renewed by ${name}`, async () => {
        const memory = t.newManager({ defaultTtl: 2 }).getMemory(freshId());
        await memory.set("a", "first");
        await sleep(1500);
        await write(memory);
        await sleep(1000);
        // 2.5 s after "a" was written: the write at 1.5 s renewed the whole conversation.
        assert.equal(await memory.get("a"), "first", "a field is renewed by a write to another field");
        assert.equal((await memory.keys()).length, 2);
        await sleep(1500);
        // 2.5 s after the last write: everything is gone together.
        assert.deepEqual(await memory.keys(), []);
        assert.equal(await memory.has("a"), false);
        assert.equal(await memory.get("a"), undefined);
        assert.equal(await memory.getTtl(), undefined);
      });
    }

    it("setTtl(short) applies now to every field, empty lists included, and sticks", async () => {
      const id = freshId();
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(id);
      await memory.set("a", 1);
      await memory.extend("l", [1, 2]);
      await memory.set("e", []);
      await memory.addMessage("user", "hi");
      await memory.setTtl(1);
      await t.newManager({ defaultTtl: 100 }).getMemory(id).set("later", 1);
      const ttl = await memory.getTtl();
      assert.ok(typeof ttl === "number" && ttl <= 1, `getTtl after setTtl(1) is ${String(ttl)}`);
      await sleep(1600);
      assert.deepEqual(await memory.keys(), []);
      assert.deepEqual(await memory.getList("l"), []);
      assert.equal(await memory.getMessageCount(), 0);
      assert.equal(
        await memory.has("later"),
        false,
        "a later write from another manager keeps the short TTL",
      );
      assert.equal(await memory.getTtl(), undefined);
    });

    it("clearAll keeps the setTtl value for a write within one TTL, and forgets it after", async () => {
      const manager = t.newManager({ defaultTtl: 100 });
      const memory = manager.getMemory(freshId());
      await memory.set("a", 1);
      await memory.setTtl(30);
      assert.equal(await memory.clearAll(), 1);
      assert.equal(await memory.getTtl(), undefined, "an empty conversation does not exist");
      await memory.set("b", 1);
      assert.equal(await memory.getTtl(), 30);
      const short = manager.getMemory(freshId());
      await short.setTtl(1);
      await short.set("a", 1);
      await short.clearAll();
      await sleep(1200);
      await short.set("b", 1);
      assert.equal(await short.getTtl(), 100, "one TTL after the clear, the setting is gone");
    });

    it("setTtl(null) keeps every field past the default TTL", async () => {
      const id = freshId();
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(id);
      await memory.set("a", 1);
      await memory.set("e", []);
      await memory.setTtl(null);
      await t.newManager({ defaultTtl: 1 }).getMemory(id).append("l", 1);
      await sleep(1600);
      assert.deepEqual(sortedKeys(await memory.keys()), ["a", "e", "l"]);
      assert.equal(await memory.getTtl(), null);
    });

    it("setTtl(n) keeps every field past the default TTL", async () => {
      const id = freshId();
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(id);
      await memory.set("a", 1);
      await memory.setTtl(100);
      await t.newManager({ defaultTtl: 1 }).getMemory(id).set("b", 2);
      await sleep(1600);
      assert.deepEqual(sortedKeys(await memory.keys()), ["a", "b"]);
      assertTtlNear(await memory.getTtl(), 100);
    });

    it("a field pinned to a longer ttl outlives the conversation TTL, then expires", async () => {
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(freshId());
      await memory.set("a", 1);
      await memory.append("l", 1);
      await memory.set("pinned", { keep: true }, { ttl: 3 });
      await sleep(1500);
      assert.deepEqual(await memory.keys(), ["pinned"]);
      assert.deepEqual(await memory.get("pinned"), { keep: true });
      assert.equal(await memory.has("a"), false);
      assert.deepEqual(await memory.getList("l"), []);
      assert.equal(typeof (await memory.getTtl()), "number", "a conversation exists while any field does");
      await sleep(2000);
      assert.deepEqual(await memory.keys(), []);
      assert.equal(await memory.get("pinned"), undefined);
      assert.equal(await memory.getTtl(), undefined);
    });

    it("a field pinned to a shorter ttl expires alone; other writes do not renew it", async () => {
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(freshId());
      await memory.set("short", "x", { ttl: 1 });
      await memory.set("a", 1);
      await sleep(500);
      await memory.set("a", 2);
      await memory.append("l", 1);
      await sleep(1000);
      assert.equal(await memory.has("short"), false);
      assert.deepEqual(sortedKeys(await memory.keys()), ["a", "l"]);
      assertTtlNear(await memory.getTtl(), 100);
    });

    it("a field pinned with ttl: null never expires", async () => {
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(freshId());
      await memory.set("forever", "x", { ttl: null });
      await memory.set("a", 1);
      await sleep(1600);
      assert.deepEqual(await memory.keys(), ["forever"]);
      assert.equal(await memory.get("forever"), "x");
      assert.notEqual(await memory.getTtl(), undefined);
    });

    it("a later write of a pinned field without ttl returns it to the conversation TTL", async () => {
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(freshId());
      await memory.set("s", "pinned", { ttl: 10 });
      await memory.set("l", [], { ttl: 10 });
      await memory.set("c", 5, { ttl: 10 });
      await memory.set("m", { n: 1 }, { ttl: 10 });
      await memory.set("s", "unpinned");
      await memory.append("l", 1);
      await memory.incr("c");
      await memory.modify("m", () => ({ n: 2 }));
      await sleep(1600);
      assert.deepEqual(await memory.keys(), []);
      assert.equal(await memory.getTtl(), undefined);
    });

    it("a pinned empty list expires exactly", async () => {
      const memory = t.newManager({ defaultTtl: 100 }).getMemory(freshId());
      await memory.set("e", [], { ttl: 1 });
      await memory.set("a", 1);
      assert.equal(await memory.has("e"), true);
      await sleep(1600);
      assert.equal(await memory.has("e"), false);
      assert.equal(await memory.get("e"), undefined);
      assert.deepEqual(await memory.keys(), ["a"]);
    });

    it("empty lists expire with the conversation", async () => {
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(freshId());
      await memory.set("e", []);
      await memory.append("p", "x");
      await memory.pop("p");
      assert.deepEqual(sortedKeys(await memory.keys()), ["e", "p"]);
      await sleep(1600);
      assert.equal(await memory.has("e"), false);
      assert.equal(await memory.has("p"), false);
      assert.equal(await memory.get("e"), undefined);
      assert.deepEqual(await memory.keys(), []);
      assert.equal(await memory.getTtl(), undefined);
    });

    it("an expired conversation can be written again", async () => {
      const memory = t.newManager({ defaultTtl: 1 }).getMemory(freshId());
      await memory.set("a", 1);
      await memory.append("l", "old");
      await memory.addMessage("user", "old", {}, { id: "m1" });
      await sleep(1600);
      assert.equal(await memory.append("l", "new"), 1);
      const m = await memory.addMessage("user", "new", {}, { id: "m1" });
      assert.equal(m.content, "new", "an expired message id is forgotten with its message");
      assert.equal(await memory.incr("a"), 1);
      assertTtlNear(await memory.getTtl(), 1);
    });

    it("a conversation that expired forgets its setTtl value: the next write starts with the default", async () => {
      const manager = t.newManager({ defaultTtl: 3600 });
      const memory = manager.getMemory(freshId());
      await memory.set("x", 1);
      await memory.setTtl(1);
      await sleep(1300);
      assert.equal(await memory.getTtl(), undefined);
      await memory.set("y", 2);
      assert.equal(await memory.getTtl(), 3600);
      assert.deepEqual(await memory.keys(), ["y"]);
    });
  });
}

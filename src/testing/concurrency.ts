/** Concurrency: call order within a manager, no lost updates across managers on one store. */
import assert from "node:assert/strict";
import { ConflictError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { freshId } from "./helpers.js";

const MANAGERS = 3;
const TOTAL_OPS = 600;

export function concurrencyTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("concurrency", () => {
    it("calls issued without awaiting in between take effect in call order (one round trip for a chat turn)", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("v", 0);
      for (let i = 1; i <= 60; i++) {
        const [added, last, , value, count] = await Promise.all([
          memory.addMessage("user", `m${i}`),
          memory.getMessages({ limit: 2 }),
          memory.set("v", i),
          memory.get("v"),
          memory.append("l", i).then(() => memory.listLength("l")),
        ]);
        assert.equal(last.at(-1)?.id, added.id, `turn ${i}: the read sees the message added just before it`);
        assert.equal(value, i);
        assert.equal(count, i);
      }
    });

    it(`${MANAGERS} managers, ${TOTAL_OPS} concurrent operations on one conversation: no lost updates`, async () => {
      const id = freshId();
      const memories = Array.from({ length: MANAGERS }, () => t.newManager().getMemory(id));
      const kinds = ["incr", "modifyNumber", "modifyArray", "append"] as const;
      const ops: Array<() => Promise<unknown>> = [];
      const expectedArray: number[] = [];
      const expectedList: string[] = [];
      let increments = 0;
      let numericModifies = 0;
      for (let i = 0; i < TOTAL_OPS; i++) {
        const memory = memories[i % MANAGERS];
        assert.ok(memory !== undefined);
        const kind = kinds[i % kinds.length];
        switch (kind) {
          case "incr":
            increments++;
            ops.push(() => memory.incr("counter"));
            break;
          case "modifyNumber":
            numericModifies++;
            ops.push(() =>
              memory.modify("total", (v: unknown) => (typeof v === "number" ? v : Number.NaN) + 3, {
                fallback: 0,
              }),
            );
            break;
          case "modifyArray":
            expectedArray.push(i);
            ops.push(() =>
              memory.modify(
                "seen",
                (v: unknown) => {
                  assert.ok(Array.isArray(v), "modify receives the current array");
                  return [...(v as number[]), i];
                },
                { fallback: [] },
              ),
            );
            break;
          case "append":
            expectedList.push(`item-${i}`);
            ops.push(() => memory.append("log", `item-${i}`));
            break;
          default:
            assert.fail(`unexpected kind ${String(kind)}`);
        }
      }
      const results = await Promise.allSettled(ops.map((op) => op()));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      for (const f of failures) {
        assert.ok(!(f.reason instanceof ConflictError), "modify must not give up under this contention");
      }
      assert.deepEqual(
        failures.map((f) => String(f.reason)),
        [],
        "every concurrent operation succeeds",
      );

      const check = memories[0];
      assert.ok(check !== undefined);
      assert.equal(await check.get("counter"), increments);
      assert.equal(await check.get("total"), numericModifies * 3);
      const seen: unknown = await check.get("seen");
      assert.ok(Array.isArray(seen));
      assert.equal(seen.length, expectedArray.length, "no modify was lost");
      assert.deepEqual(
        [...(seen as number[])].sort((a, b) => a - b),
        expectedArray,
      );
      const log = await check.getList("log");
      assert.equal(log.length, expectedList.length);
      assert.equal(await check.listLength("log"), expectedList.length);
      assert.deepEqual(
        [...(log as string[])].sort(),
        [...expectedList].sort(),
        "each appended item exactly once",
      );

      // Return values are consistent with a serial order: incr results are exactly 1..n.
      const incrResults = results
        .filter((_, i) => kinds[i % kinds.length] === "incr")
        .map((r) => (r.status === "fulfilled" ? r.value : undefined));
      assert.deepEqual(
        [...(incrResults as number[])].sort((a, b) => a - b),
        Array.from({ length: increments }, (_, i) => i + 1),
      );
      const appendResults = results
        .filter((_, i) => kinds[i % kinds.length] === "append")
        .map((r) => (r.status === "fulfilled" ? r.value : undefined));
      assert.deepEqual(
        [...(appendResults as number[])].sort((a, b) => a - b),
        Array.from({ length: expectedList.length }, (_, i) => i + 1),
      );
    });

    it("concurrent pops never return the same element twice", async () => {
      const id = freshId();
      const memories = Array.from({ length: MANAGERS }, () => t.newManager().getMemory(id));
      const items = Array.from({ length: 90 }, (_, i) => i);
      await memories[0]?.extend("queue", items);
      const popped = await Promise.all(
        items.map(
          (_, i) => memories[i % MANAGERS]?.pop("queue", 0) ?? Promise.reject(new Error("no memory")),
        ),
      );
      assert.deepEqual(
        [...(popped as number[])].sort((a, b) => a - b),
        items,
      );
      assert.equal(await memories[1]?.listLength("queue"), 0);
    });

    it("concurrent addMessage calls keep every message once", async () => {
      const id = freshId();
      const memories = Array.from({ length: MANAGERS }, () => t.newManager().getMemory(id));
      const n = 60;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          memories[i % MANAGERS]?.addMessage("user", `msg-${i}`, {}, { id: `id-${i % 30}` }),
        ),
      );
      const messages = await memories[2]?.getMessages();
      assert.ok(messages !== undefined);
      assert.equal(messages.length, 30, "30 distinct ids, each stored once");
      assert.equal(new Set(messages.map((m) => m.id)).size, 30);
    });
  });
}

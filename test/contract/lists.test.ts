/**
 * The contract's list operations (src/testing/lists.ts, `convmem/testing`) on every selected
 * target, plus the fast-check property tests of the same rules, which stay here so that
 * fast-check remains a devDependency: they run in the same describe block, on the same store.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import { ListIndexError } from "../../src/index.js";
import { type ContractTarget, runStoreContract } from "../../src/testing/index.js";
import { bad, contractTargets, freshId, nodeTestRunner, rejectsWith } from "../helpers/targets.js";

/** Python `list.insert(index, value)` on a plain array: the model the API follows. */
function pyInsert(model: unknown[], index: number, value: unknown): void {
  const n = model.length;
  const at = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
  model.splice(at, 0, value);
}

/** Python `list.pop(index)`: undefined when out of range. */
function pyPopIndex(model: readonly unknown[], index: number): number | undefined {
  const at = index < 0 ? model.length + index : index;
  return at >= 0 && at < model.length ? at : undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

const element = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom("a", "b", ""),
  // Plain objects only (fc.record may build null-prototype objects).
  fc.integer({ min: 0, max: 2 }).map((k) => ({ k })),
  fc.constant(null),
);

type Op =
  | { op: "append"; value: unknown }
  | { op: "insert"; index: number; value: unknown }
  | { op: "pop"; index: number }
  | { op: "remove"; value: unknown };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("append" as const), value: element }),
  fc.record({ op: fc.constant("insert" as const), index: fc.integer({ min: -8, max: 8 }), value: element }),
  fc.record({ op: fc.constant("pop" as const), index: fc.integer({ min: -8, max: 8 }) }),
  fc.record({ op: fc.constant("remove" as const), value: element }),
);

function propertyTests(t: ContractTarget): void {
  describe("getList / listLength", () => {
    it("slice semantics hold for any start/end (property)", async () => {
      const memory = t.newManager().getMemory(freshId());
      const model = ["a", "b", "c", "d", "e", "f"];
      await memory.extend("l", model);
      await fc.assert(
        fc.asyncProperty(
          fc.option(fc.integer({ min: -9, max: 9 }), { nil: undefined }),
          fc.option(fc.integer({ min: -9, max: 9 }), { nil: undefined }),
          async (start, end) => {
            const range: { start?: number; end?: number } = {};
            if (start !== undefined) range.start = start;
            if (end !== undefined) range.end = end;
            assert.deepEqual(await memory.getList("l", range), model.slice(start, end));
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe("list model (property)", () => {
    it("append/insert/pop/remove behave like a Python list", async () => {
      const manager = t.newManager();
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { maxLength: 12 }), async (ops) => {
          const memory = manager.getMemory(freshId());
          const model: unknown[] = [];
          for (const op of ops) {
            switch (op.op) {
              case "append":
                model.push(op.value);
                assert.equal(await memory.append("l", bad(op.value)), model.length);
                break;
              case "insert":
                pyInsert(model, op.index, op.value);
                assert.equal(await memory.insert("l", op.index, bad(op.value)), model.length);
                break;
              case "pop": {
                const at = pyPopIndex(model, op.index);
                if (at === undefined) {
                  await rejectsWith(memory.pop("l", op.index), ListIndexError);
                } else {
                  const [expected] = model.splice(at, 1);
                  assert.deepEqual(await memory.pop("l", op.index), expected);
                }
                break;
              }
              case "remove": {
                const at = model.findIndex((v) => sameJson(v, op.value));
                if (at >= 0) model.splice(at, 1);
                assert.equal(await memory.remove("l", bad(op.value)), at >= 0);
                break;
              }
            }
            assert.deepEqual(await memory.getList("l"), model);
            assert.equal(await memory.listLength("l"), model.length);
          }
        }),
        { numRuns: 40 },
      );
    });
  });
}

for (const target of contractTargets()) {
  runStoreContract({ ...nodeTestRunner, ...target, areas: ["lists"], extend: propertyTests });
}

/**
 * List index rules against a plain-array model: random sequences of append/extend/pop/
 * insert/remove/getList/listLength must leave each store exactly where a JS array (with
 * Python list semantics) would be, on every step.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { ListIndexError } from "../../src/index.js";
import { forEachTarget, freshId } from "../helpers/targets.js";

type Op =
  | { op: "append"; value: number }
  | { op: "extend"; values: number[] }
  | { op: "pop"; index: number | undefined }
  | { op: "insert"; index: number; value: number }
  | { op: "remove"; value: number }
  | { op: "slice"; start: number | undefined; end: number | undefined };

const small = fc.integer({ min: -8, max: 8 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("append" as const), value: fc.integer({ min: 0, max: 5 }) }),
  fc.record({
    op: fc.constant("extend" as const),
    values: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
  }),
  fc.record({ op: fc.constant("pop" as const), index: fc.option(small, { nil: undefined }) }),
  fc.record({ op: fc.constant("insert" as const), index: small, value: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant("remove" as const), value: fc.integer({ min: 0, max: 5 }) }),
  fc.record({
    op: fc.constant("slice" as const),
    start: fc.option(small, { nil: undefined }),
    end: fc.option(small, { nil: undefined }),
  }),
);

/** Python's list.pop(index) on a JS array; undefined when it would raise IndexError. */
function modelPop(model: number[], index = -1): number | undefined {
  const i = index < 0 ? index + model.length : index;
  if (i < 0 || i >= model.length) return undefined;
  return model.splice(i, 1)[0];
}

function modelInsert(model: number[], index: number, value: number): void {
  const n = model.length;
  const i = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
  model.splice(i, 0, value);
}

forEachTarget((t) => {
  it("list operations match a plain-array model with Python index rules", async () => {
    const manager = t.newManager();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
        const memory = manager.getMemory(freshId("model"));
        const model: number[] = [];
        for (const step of ops) {
          switch (step.op) {
            case "append":
              model.push(step.value);
              assert.equal(await memory.append("l", step.value), model.length);
              break;
            case "extend":
              model.push(...step.values);
              assert.equal(await memory.extend("l", step.values), model.length);
              break;
            case "pop": {
              const expected = modelPop(model, step.index);
              const got = memory.pop("l", ...(step.index === undefined ? [] : [step.index]));
              if (expected === undefined) await assert.rejects(got, ListIndexError);
              else assert.equal(await got, expected);
              break;
            }
            case "insert":
              modelInsert(model, step.index, step.value);
              assert.equal(await memory.insert("l", step.index, step.value), model.length);
              break;
            case "remove": {
              const i = model.indexOf(step.value);
              if (i >= 0) model.splice(i, 1);
              assert.equal(await memory.remove("l", step.value), i >= 0);
              break;
            }
            case "slice": {
              const opts = {
                ...(step.start === undefined ? {} : { start: step.start }),
                ...(step.end === undefined ? {} : { end: step.end }),
              };
              assert.deepEqual(await memory.getList("l", opts), model.slice(step.start, step.end));
              break;
            }
          }
          assert.deepEqual(await memory.getList("l"), model);
          assert.equal(await memory.listLength("l"), model.length);
        }
      }),
      { numRuns: 60 },
    );
  });
});

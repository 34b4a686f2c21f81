/**
 * List operations: append/extend (maxLength), empty lists, pop/insert with Python index rules,
 * remove by deep equality, getList slices, and WrongTypeError on non-lists. (convmem's own
 * test suite adds fast-check property tests of the same rules on every backend.)
 */
import assert from "node:assert/strict";
import { ListIndexError, WrongTypeError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith } from "./helpers.js";

/** Python `list.insert(index, value)` on a plain array: the model the API follows. */
function pyInsert(model: unknown[], index: number, value: unknown): void {
  const n = model.length;
  const at = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
  model.splice(at, 0, value);
}

export function listsTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("append / extend", () => {
    it("append to a missing field creates a list and returns the new length", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.append("l", "a"), 1);
      assert.equal(await memory.append("l", { b: 2 }), 2);
      assert.equal(await memory.append("l", ["c"]), 3);
      assert.equal(await memory.append("l", null), 4);
      assert.deepEqual(await memory.getList("l"), ["a", { b: 2 }, ["c"], null]);
      assert.deepEqual(await memory.get("l"), ["a", { b: 2 }, ["c"], null]);
      assert.equal(await memory.listLength("l"), 4);
    });

    it("extend appends in order and returns the new length", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.extend("l", [1, 2, 3]), 3);
      assert.equal(await memory.extend("l", ["x", { y: 1 }]), 5);
      assert.equal(await memory.extend("l", []), 5);
      assert.deepEqual(await memory.getList("l"), [1, 2, 3, "x", { y: 1 }]);
    });

    it("extend with no values on a missing field returns 0", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.extend("l", []), 0);
      assert.deepEqual(await memory.getList("l"), []);
      assert.equal(await memory.listLength("l"), 0);
    });

    it("append with maxLength keeps the newest elements", async () => {
      const memory = t.newManager().getMemory(freshId());
      const lengths: number[] = [];
      for (let i = 1; i <= 6; i++) lengths.push(await memory.append("l", i, { maxLength: 3 }));
      assert.deepEqual(lengths, [1, 2, 3, 3, 3, 3]);
      assert.deepEqual(await memory.getList("l"), [4, 5, 6]);
      assert.equal(await memory.listLength("l"), 3);
    });

    it("maxLength trims an existing longer list down to the newest elements", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2, 3, 4, 5]);
      assert.equal(await memory.append("l", 6, { maxLength: 2 }), 2);
      assert.deepEqual(await memory.getList("l"), [5, 6]);
    });

    it("extend with maxLength keeps the newest elements", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2]);
      assert.equal(await memory.extend("l", [3, 4, 5, 6, 7], { maxLength: 4 }), 4);
      assert.deepEqual(await memory.getList("l"), [4, 5, 6, 7]);
      assert.equal(await memory.extend("l", [8], { maxLength: 10 }), 5);
      assert.deepEqual(await memory.getList("l"), [4, 5, 6, 7, 8]);
    });

    it("a field set to an array is a list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("l", [1]);
      assert.equal(await memory.listLength("l"), 1);
      assert.equal(await memory.append("l", 2), 2);
      assert.deepEqual(await memory.getList("l"), [1, 2]);
      assert.deepEqual(await memory.get("l"), [1, 2]);
      assert.equal(await memory.pop("l", 0), 1);
      assert.deepEqual(await memory.get("l"), [2]);
    });

    it("set replaces a whole list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2, 3]);
      await memory.set("l", ["x"]);
      assert.deepEqual(await memory.getList("l"), ["x"]);
      assert.equal(await memory.listLength("l"), 1);
    });
  });

  describe("empty lists", () => {
    it("set(f, []) is an existing, empty list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("e", []);
      assert.deepEqual(await memory.get("e"), []);
      assert.deepEqual(await memory.get("e", "fallback"), []);
      assert.deepEqual(await memory.require("e"), []);
      assert.equal(await memory.has("e"), true);
      assert.deepEqual(await memory.keys(), ["e"]);
      assert.deepEqual(await memory.items(), [["e", []]]);
      assert.deepEqual(await memory.getList("e"), []);
      assert.equal(await memory.listLength("e"), 0);
      assert.equal(await memory.append("e", 1), 1);
    });

    it("popping the last element leaves an existing empty list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.append("l", "only");
      assert.equal(await memory.pop("l"), "only");
      assert.equal(await memory.has("l"), true);
      assert.deepEqual(await memory.get("l"), []);
      assert.deepEqual(await memory.keys(), ["l"]);
      assert.equal(await memory.listLength("l"), 0);
      await rejectsWith(memory.pop("l"), ListIndexError);
    });

    it("removing the last element leaves an existing empty list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.append("l", { a: 1 });
      assert.equal(await memory.remove("l", { a: 1 }), true);
      assert.equal(await memory.has("l"), true);
      assert.deepEqual(await memory.get("l"), []);
    });
  });

  describe("pop", () => {
    it("pops the last element by default", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2, 3]);
      assert.equal(await memory.pop("l"), 3);
      assert.deepEqual(await memory.getList("l"), [1, 2]);
    });

    it("pops index 0, a middle index and negative indexes", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", ["a", "b", "c", "d", "e"]);
      assert.equal(await memory.pop("l", 0), "a");
      assert.deepEqual(await memory.getList("l"), ["b", "c", "d", "e"]);
      assert.equal(await memory.pop("l", -2), "d");
      assert.deepEqual(await memory.getList("l"), ["b", "c", "e"]);
      assert.equal(await memory.pop("l", 1), "c");
      assert.deepEqual(await memory.getList("l"), ["b", "e"]);
      assert.equal(await memory.pop("l", -2), "b");
      assert.deepEqual(await memory.getList("l"), ["e"]);
      assert.equal(await memory.listLength("l"), 1);
    });

    it("returns structured values intact", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [{ a: [1, { b: null }] }, [2]]);
      assert.deepEqual(await memory.pop("l", 0), { a: [1, { b: null }] });
      assert.deepEqual(await memory.pop("l"), [2]);
    });

    it("throws ListIndexError on a missing field and creates nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await rejectsWith(memory.pop("missing"), ListIndexError);
      await rejectsWith(memory.pop("missing", 0), ListIndexError);
      assert.equal(await memory.has("missing"), false);
    });

    it("throws ListIndexError on an empty list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("e", []);
      await rejectsWith(memory.pop("e"), ListIndexError);
      await rejectsWith(memory.pop("e", 0), ListIndexError);
      assert.deepEqual(await memory.get("e"), []);
    });

    it("throws ListIndexError out of range and changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2, 3]);
      for (const index of [3, 4, 100, -4, -100]) {
        await rejectsWith(memory.pop("l", index), ListIndexError);
      }
      assert.deepEqual(await memory.getList("l"), [1, 2, 3]);
    });
  });

  describe("insert", () => {
    it("follows Python list.insert index rules", async () => {
      const memory = t.newManager().getMemory(freshId());
      const model: unknown[] = [];
      await memory.set("l", []);
      const steps: Array<[number, string]> = [
        [0, "a"],
        [0, "b"],
        [1, "c"],
        [100, "end"],
        [-1, "before-last"],
        [-100, "start"],
        [3, "mid"],
        [-3, "neg"],
      ];
      for (const [index, value] of steps) {
        pyInsert(model, index, value);
        assert.equal(await memory.insert("l", index, value), model.length, `insert(${index})`);
        assert.deepEqual(await memory.getList("l"), model, `after insert(${index}, ${value})`);
      }
    });

    it("insert on a missing field creates a list", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.insert("l", 5, "x"), 1);
      assert.deepEqual(await memory.getList("l"), ["x"]);
      assert.equal(await memory.insert("m", -5, "y"), 1);
      assert.deepEqual(await memory.getList("m"), ["y"]);
    });
  });

  describe("remove", () => {
    it("removes the first deep-equal element and returns true", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, "x", 1, "x"]);
      assert.equal(await memory.remove("l", "x"), true);
      assert.deepEqual(await memory.getList("l"), [1, 1, "x"]);
      assert.equal(await memory.remove("l", 1), true);
      assert.deepEqual(await memory.getList("l"), [1, "x"]);
    });

    it("ignores object key order, including nested objects", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [{ a: 1, b: { c: 2, d: 3 } }, "mid", { b: { d: 3, c: 2 }, a: 1 }]);
      assert.equal(await memory.remove("l", { b: { d: 3, c: 2 }, a: 1 }), true);
      assert.deepEqual(await memory.getList("l"), ["mid", { a: 1, b: { c: 2, d: 3 } }]);
    });

    it("compares arrays in order and values by type", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [[1, 2], 1, "1", true, null, { a: 1 }]);
      assert.equal(await memory.remove("l", [2, 1]), false);
      assert.equal(await memory.remove("l", "true"), false);
      assert.equal(await memory.remove("l", { a: 1, b: 2 }), false);
      assert.equal(await memory.remove("l", { a: "1" }), false);
      assert.equal(await memory.remove("l", 0), false);
      assert.deepEqual(await memory.getList("l"), [[1, 2], 1, "1", true, null, { a: 1 }]);
      assert.equal(await memory.remove("l", "1"), true);
      assert.deepEqual(await memory.getList("l"), [[1, 2], 1, true, null, { a: 1 }]);
      assert.equal(await memory.remove("l", null), true);
      assert.equal(await memory.remove("l", [1, 2]), true);
      assert.deepEqual(await memory.getList("l"), [1, true, { a: 1 }]);
    });

    it("returns false when absent or the field is missing, and changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.remove("missing", 1), false);
      assert.equal(await memory.has("missing"), false);
      await memory.extend("l", [1, 2]);
      assert.equal(await memory.remove("l", 3), false);
      assert.deepEqual(await memory.getList("l"), [1, 2]);
    });
  });

  describe("getList / listLength", () => {
    it("getList of a missing field is [] and listLength is 0", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.deepEqual(await memory.getList("missing"), []);
      assert.equal(await memory.listLength("missing"), 0);
      assert.equal(await memory.has("missing"), false);
    });

    it("getList with start/end has Array.prototype.slice semantics", async () => {
      const memory = t.newManager().getMemory(freshId());
      const model = [0, 1, 2, 3, 4, 5, 6];
      await memory.extend("l", model);
      const ranges: Array<{ start?: number; end?: number }> = [
        {},
        { start: 2 },
        { end: 3 },
        { start: 1, end: 4 },
        { start: -3 },
        { end: -2 },
        { start: -4, end: -1 },
        { start: 5, end: 2 },
        { start: 3, end: 3 },
        { start: 100 },
        { start: -100 },
        { end: 100 },
        { end: -100 },
        { start: 0, end: 0 },
        { start: -1, end: 7 },
      ];
      for (const range of ranges) {
        assert.deepEqual(
          await memory.getList("l", range),
          model.slice(range.start, range.end),
          `getList(${JSON.stringify(range)})`,
        );
      }
    });
  });

  describe("list operations on a non-list value", () => {
    const nonLists: Record<string, unknown> = {
      string: "text",
      number: 5,
      object: { a: 1 },
      nil: null,
      boolean: true,
    };
    for (const [kind, value] of Object.entries(nonLists)) {
      it(`every list method throws WrongTypeError on a ${kind} and changes nothing`, async () => {
        const memory = t.newManager().getMemory(freshId());
        await memory.set("f", bad(value));
        await rejectsWith(memory.append("f", 1), WrongTypeError);
        await rejectsWith(memory.append("f", 1, { maxLength: 1 }), WrongTypeError);
        await rejectsWith(memory.extend("f", [1, 2]), WrongTypeError);
        await rejectsWith(memory.pop("f"), WrongTypeError);
        await rejectsWith(memory.pop("f", 0), WrongTypeError);
        await rejectsWith(memory.insert("f", 0, 1), WrongTypeError);
        await rejectsWith(memory.remove("f", bad(value)), WrongTypeError);
        await rejectsWith(memory.getList("f"), WrongTypeError);
        await rejectsWith(memory.getList("f", { start: 0, end: 1 }), WrongTypeError);
        await rejectsWith(memory.listLength("f"), WrongTypeError);
        assert.deepEqual(await memory.get("f"), value);
        assert.deepEqual(await memory.keys(), ["f"]);
      });
    }

    it("WrongTypeError says what the field holds and that a list (or an integer) was expected", async () => {
      const memory = t.newManager().getMemory(freshId());
      const holds: Array<[string, unknown, string]> = [
        ["s", "text", "a string"],
        ["o", { a: 1 }, "an object"],
        ["n", 1.5, "a non-integer number"],
        ["b", false, "a boolean"],
      ];
      for (const [field, value, found] of holds) {
        await memory.set(field, bad(value));
        const expected = `holds ${found} where a list was expected`;
        await rejectsWith(memory.append(field, 1), WrongTypeError, expected);
        await rejectsWith(memory.extend(field, [1]), WrongTypeError, expected);
        await rejectsWith(memory.pop(field), WrongTypeError, expected);
        await rejectsWith(memory.insert(field, 0, 1), WrongTypeError, expected);
        await rejectsWith(memory.getList(field), WrongTypeError, expected);
        await rejectsWith(memory.listLength(field), WrongTypeError, expected);
        await rejectsWith(memory.remove(field, 1), WrongTypeError, expected);
      }
      await memory.set("messages", "not a history");
      const history = 'field "messages"';
      await rejectsWith(memory.addMessage("user", "hi"), WrongTypeError, history);
      await rejectsWith(memory.getMessages(), WrongTypeError, "holds a string where a list was expected");
      await rejectsWith(memory.getMessageCount(), WrongTypeError, "where a list was expected");
      await memory.append("l", 1);
      await rejectsWith(
        memory.incr("l"),
        WrongTypeError,
        "holds a list of 1 elements where an integer was expected",
      );
      await rejectsWith(memory.incr("s"), WrongTypeError, "holds a string where an integer was expected");
      await rejectsWith(
        memory.incr("n"),
        WrongTypeError,
        "holds a non-integer number where an integer was expected",
      );
      try {
        await memory.append("o", 1);
        assert.fail("append on an object resolved");
      } catch (err) {
        assert.ok(err instanceof WrongTypeError);
        assert.equal(err.expected, "a list");
        assert.equal(err.found, "an object");
      }
      assert.deepEqual(await memory.get("o"), { a: 1 }, "nothing changed");
    });

    it("a counter is not a list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.incr("c");
      await rejectsWith(memory.append("c", 1), WrongTypeError);
      assert.equal(await memory.get("c"), 1);
    });
  });
}

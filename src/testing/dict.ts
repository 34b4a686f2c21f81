/** Dict operations: get/set/require/update/has/delete/keys/items, incr, modify, fresh copies. */
import assert from "node:assert/strict";
import { FieldNotFoundError, SerializationError, ValidationError, WrongTypeError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith, sortedItems, sortedKeys } from "./helpers.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function dictTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("dict operations", () => {
    it("get returns undefined for a missing field, or the fallback", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.get("nope"), undefined);
      assert.equal(await memory.get("nope", 42), 42);
      assert.deepEqual(await memory.get("nope", { a: [1] }), { a: [1] });
      assert.equal(await memory.has("nope"), false, "get with a fallback must not write it");
    });

    it("set then get round-trips every JSON value type", async () => {
      const memory = t.newManager().getMemory(freshId());
      const values: Record<string, unknown> = {
        str: "hello",
        empty: "",
        int: 42,
        neg: -7,
        float: 3.25,
        big: Number.MAX_SAFE_INTEGER,
        tiny: 1e-300,
        huge: 1.7976931348623157e308,
        t: true,
        f: false,
        nil: null,
        obj: { a: 1, b: { c: [1, "x", null, { d: false }] } },
        emptyObj: {},
        arr: [1, "two", { three: 3 }, [4]],
        unicode: 'héllo 😀 \u0000 \n " \\ \u2028',
        loneSurrogate: "a\uD800b",
      };
      for (const [field, value] of Object.entries(values)) await memory.set(field, bad(value));
      for (const [field, value] of Object.entries(values)) {
        assert.deepEqual(await memory.get(field), value, `field ${field}`);
      }
    });

    it("a stored null is a value, not a missing field", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("n", null);
      assert.equal(await memory.get("n", "fallback"), null);
      assert.equal(await memory.require("n"), null);
      assert.equal(await memory.has("n"), true);
      assert.deepEqual(await memory.keys(), ["n"]);
    });

    it("get returns the stored value, not the fallback, when present", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("x", 0);
      assert.equal(await memory.get("x", 99), 0);
      await memory.set("s", "");
      assert.equal(await memory.get("s", "fallback"), "");
      await memory.set("b", false);
      assert.equal(await memory.get("b", true), false);
    });

    it("set overwrites, including changing the value's type", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("x", 1);
      await memory.set("x", { a: 1 });
      assert.deepEqual(await memory.get("x"), { a: 1 });
      await memory.set("x", [1, 2]);
      assert.deepEqual(await memory.get("x"), [1, 2]);
      await memory.set("x", "scalar");
      assert.equal(await memory.get("x"), "scalar");
      assert.deepEqual(await memory.keys(), ["x"]);
    });

    it("set resolves to undefined", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.set("x", 1), undefined);
    });

    it("require returns the value, or throws FieldNotFoundError for a missing field", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("prefs", { theme: "dark" });
      assert.deepEqual(await memory.require("prefs"), { theme: "dark" });
      await rejectsWith(memory.require("missing"), FieldNotFoundError);
      await memory.set("gone", 1);
      await memory.delete("gone");
      await rejectsWith(memory.require("gone"), FieldNotFoundError);
    });

    it("require returns a list field's array", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.append("l", "a");
      await memory.append("l", "b");
      assert.deepEqual(await memory.require("l"), ["a", "b"]);
    });

    it("update writes every field, overwrites existing ones and resolves to undefined", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("a", "old");
      await memory.set("keep", "kept");
      const result = await memory.update({ a: 1, b: { nested: true }, c: "three" });
      assert.equal(result, undefined);
      assert.equal(await memory.get("a"), 1);
      assert.deepEqual(await memory.get("b"), { nested: true });
      assert.equal(await memory.get("c"), "three");
      assert.equal(await memory.get("keep"), "kept");
      assert.deepEqual(sortedKeys(await memory.keys()), ["a", "b", "c", "keep"]);
    });

    it("update with an empty record changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("a", 1);
      assert.equal(await memory.update({}), undefined);
      assert.deepEqual(await memory.items(), [["a", 1]]);
    });

    it("update is all or none: one unserializable value writes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("a", "old");
      await rejectsWith(memory.update({ a: "new", b: 2, c: bad(new Date()) }), SerializationError);
      assert.equal(await memory.get("a"), "old");
      assert.equal(await memory.has("b"), false);
      assert.equal(await memory.has("c"), false);
      await rejectsWith(memory.update({ a: "new", z: bad(undefined) }), SerializationError);
      assert.deepEqual(await memory.items(), [["a", "old"]]);
    });

    it("update is all or none: one invalid field name writes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await rejectsWith(memory.update({ good: 1, "": 2 }), ValidationError);
      assert.deepEqual(await memory.keys(), []);
      await rejectsWith(memory.update({ good: 1, "bad\uD800": 2 }), ValidationError);
      assert.deepEqual(await memory.keys(), []);
    });

    it("an array written by update is a list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.update({ l: [1, 2] });
      assert.equal(await memory.append("l", 3), 3);
      assert.deepEqual(await memory.getList("l"), [1, 2, 3]);
    });

    it("has reports presence", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.has("x"), false);
      await memory.set("x", false);
      assert.equal(await memory.has("x"), true);
      await memory.append("l", 1);
      assert.equal(await memory.has("l"), true);
    });

    it("delete returns whether the field existed and removes it", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("x", 1);
      await memory.set("y", 2);
      assert.equal(await memory.delete("x"), true);
      assert.equal(await memory.has("x"), false);
      assert.equal(await memory.get("x"), undefined);
      assert.equal(await memory.delete("x"), false);
      assert.equal(await memory.delete("never"), false);
      assert.deepEqual(await memory.keys(), ["y"]);
    });

    it("delete removes a list field (and an empty one)", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2, 3]);
      await memory.set("e", []);
      assert.equal(await memory.delete("l"), true);
      assert.equal(await memory.delete("e"), true);
      assert.equal(await memory.listLength("l"), 0);
      assert.deepEqual(await memory.getList("l"), []);
      assert.deepEqual(await memory.keys(), []);
      assert.equal(await memory.append("l", "fresh"), 1, "a deleted list starts over");
    });

    it("keys lists every field, lists and empty lists included", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.deepEqual(await memory.keys(), []);
      await memory.set("a", 1);
      await memory.append("b", 1);
      await memory.set("c", []);
      await memory.incr("d");
      await memory.addMessage("user", "hi");
      assert.deepEqual(sortedKeys(await memory.keys()), ["a", "b", "c", "d", "messages"]);
    });

    it("items returns every [field, value] pair, lists as arrays", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.deepEqual(await memory.items(), []);
      await memory.set("a", { x: 1 });
      await memory.extend("b", [1, "2"]);
      await memory.set("c", null);
      await memory.set("d", []);
      assert.deepEqual(sortedItems(await memory.items()), [
        ["a", { x: 1 }],
        ["b", [1, "2"]],
        ["c", null],
        ["d", []],
      ]);
    });

    it("field names are arbitrary strings (spaces, colons, braces, globs, emoji)", async () => {
      const memory = t.newManager().getMemory(freshId());
      const fields = ["a b", "a:b", "{a}", "a*", "a?", "[a]", "%7B", "😀", "é", "messages:x", "a\\b"];
      for (const [i, f] of fields.entries()) await memory.set(f, i);
      for (const [i, f] of fields.entries()) assert.equal(await memory.get(f), i, `field ${f}`);
      assert.deepEqual(sortedKeys(await memory.keys()), sortedKeys(fields));
      assert.equal(await memory.delete("a*"), true);
      assert.equal(await memory.get("a b"), 0, "deleting 'a*' must not touch other fields");
      assert.equal((await memory.keys()).length, fields.length - 1);
    });
  });

  describe("incr", () => {
    it("starts a missing field at 0 and adds 1 by default", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.incr("c"), 1);
      assert.equal(await memory.incr("c"), 2);
      assert.equal(await memory.get("c"), 2);
    });

    it("adds `by`, including negative amounts and zero", async () => {
      const memory = t.newManager().getMemory(freshId());
      assert.equal(await memory.incr("c", 5), 5);
      assert.equal(await memory.incr("c", -12), -7);
      assert.equal(await memory.incr("c", 0), -7);
      assert.equal(await memory.get("c"), -7);
      assert.equal(await memory.incr("fresh", -3), -3);
    });

    it("increments a field previously set to an integer", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("c", 10);
      assert.equal(await memory.incr("c", 2), 12);
      await memory.set("big", Number.MAX_SAFE_INTEGER - 1);
      assert.equal(await memory.incr("big"), Number.MAX_SAFE_INTEGER);
      assert.equal(await memory.get("big"), Number.MAX_SAFE_INTEGER);
    });

    it("throws WrongTypeError on a non-integer field and changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      const cases: Record<string, unknown> = {
        float: 1.5,
        str: "5",
        obj: { n: 1 },
        bool: true,
        nil: null,
        arr: [1],
      };
      for (const [field, value] of Object.entries(cases)) {
        await memory.set(field, bad(value));
        await rejectsWith(memory.incr(field), WrongTypeError);
        assert.deepEqual(await memory.get(field), value, `field ${field} unchanged`);
      }
    });

    it("throws ValidationError when `by` is not a safe integer, and changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("c", 1);
      for (const by of [
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        2 ** 53,
        -(2 ** 53),
        bad("1"),
        bad(null),
      ]) {
        await rejectsWith(memory.incr("c", by), ValidationError);
      }
      assert.equal(await memory.get("c"), 1);
      await rejectsWith(memory.incr("missing", 0.5), ValidationError);
      assert.equal(await memory.has("missing"), false);
    });
  });

  describe("modify", () => {
    it("passes the current value, stores and returns the new one", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("n", 20);
      const seen: unknown[] = [];
      const result = await memory.modify("n", (v: unknown) => {
        seen.push(v);
        return typeof v === "number" ? v * 2 : -1;
      });
      assert.equal(result, 40);
      assert.equal(await memory.get("n"), 40);
      assert.ok(seen.length >= 1);
      assert.ok(seen.every((v) => v === 20));
    });

    it("passes undefined for a missing field without a fallback", async () => {
      const memory = t.newManager().getMemory(freshId());
      const seen: unknown[] = [];
      const result = await memory.modify("m", (v: unknown) => {
        seen.push(v);
        return "created";
      });
      assert.deepEqual(seen, [undefined]);
      assert.equal(result, "created");
      assert.equal(await memory.get("m"), "created");
    });

    it("passes the fallback for a missing field", async () => {
      const memory = t.newManager().getMemory(freshId());
      const result = await memory.modify(
        "tags",
        (v: unknown) => {
          assert.deepEqual(v, { count: 0, tags: [] });
          return { count: 1, tags: ["a"] };
        },
        { fallback: { count: 0, tags: [] } },
      );
      assert.deepEqual(result, { count: 1, tags: ["a"] });
      assert.deepEqual(await memory.get("tags"), { count: 1, tags: ["a"] });
    });

    it("ignores the fallback when the field exists", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("n", 5);
      const result = await memory.modify("n", (v: unknown) => (typeof v === "number" ? v + 1 : -100), {
        fallback: 1000,
      });
      assert.equal(result, 6);
    });

    it("gives fn a copy: mutating it changes nothing unless returned", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("obj", { list: [1, 2], n: 1 });
      const err = new Error("changed my mind");
      await assert.rejects(
        memory.modify("obj", (v: unknown) => {
          assert.ok(isRecord(v));
          v.n = 999;
          const list = v.list;
          assert.ok(Array.isArray(list));
          list.push(3);
          throw err;
        }),
        (e: unknown) => e === err,
      );
      assert.deepEqual(await memory.get("obj"), { list: [1, 2], n: 1 });
    });

    it("propagates the error fn throws and changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("n", 1);
      class MyError extends Error {}
      const thrown = new MyError("boom");
      await assert.rejects(
        memory.modify("n", () => {
          throw thrown;
        }),
        (e: unknown) => e === thrown,
      );
      assert.equal(await memory.get("n"), 1);
      await assert.rejects(
        memory.modify("missing", () => {
          throw thrown;
        }),
        (e: unknown) => e === thrown,
      );
      assert.equal(await memory.has("missing"), false);
    });

    it("rejects an unserializable new value with SerializationError and changes nothing", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("n", { a: 1 });
      await rejectsWith(
        memory.modify("n", () => bad({ a: new Map() })),
        SerializationError,
      );
      assert.deepEqual(await memory.get("n"), { a: 1 });
    });

    it("on a list field, receives the array and the result stays a list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [1, 2]);
      const result = await memory.modify("l", (v: unknown) => {
        assert.deepEqual(v, [1, 2]);
        return [0, 1, 2];
      });
      assert.deepEqual(result, [0, 1, 2]);
      assert.deepEqual(await memory.getList("l"), [0, 1, 2]);
      assert.equal(await memory.listLength("l"), 3);
      assert.equal(await memory.append("l", 3), 4);
    });
  });

  describe("returned values are fresh copies", () => {
    it("mutating what get returns does not change what is stored", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("obj", { a: { b: [1] } });
      const first: unknown = await memory.get("obj");
      assert.ok(isRecord(first));
      first.extra = true;
      const inner = first.a;
      assert.ok(isRecord(inner));
      inner.b = "clobbered";
      assert.deepEqual(await memory.get("obj"), { a: { b: [1] } });
      const second: unknown = await memory.get("obj");
      assert.notEqual(second, first, "each call returns a new object");
    });

    it("mutating what get returns for a list does not change the list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [{ x: 1 }, 2]);
      const got: unknown = await memory.get("l");
      assert.ok(Array.isArray(got));
      got.push(3);
      const el: unknown = got[0];
      assert.ok(isRecord(el));
      el.x = 100;
      assert.deepEqual(await memory.get("l"), [{ x: 1 }, 2]);
      assert.equal(await memory.listLength("l"), 2);
    });

    it("mutating what getList returns does not change the list", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [{ x: 1 }, 2]);
      const got: unknown[] = await memory.getList("l");
      got.length = 0;
      const again: unknown[] = await memory.getList("l");
      const el = again[0];
      assert.ok(isRecord(el));
      el.x = 100;
      assert.deepEqual(await memory.getList("l"), [{ x: 1 }, 2]);
      assert.notEqual(await memory.getList("l"), await memory.getList("l"));
    });

    it("mutating what items returns does not change what is stored", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("obj", { a: 1 });
      await memory.extend("l", [1]);
      const items = await memory.items();
      for (const [, value] of items) {
        const v: unknown = value;
        if (Array.isArray(v)) v.push("x");
        else if (isRecord(v)) v.a = "x";
      }
      assert.deepEqual(sortedItems(await memory.items()), [
        ["l", [1]],
        ["obj", { a: 1 }],
      ]);
    });

    it("mutating a value after set does not change what is stored", async () => {
      const memory = t.newManager().getMemory(freshId());
      const value = { a: [1, 2] };
      await memory.set("v", value);
      value.a.push(3);
      assert.deepEqual(await memory.get("v"), { a: [1, 2] });
      const element = { k: "v" };
      await memory.append("l", element);
      element.k = "changed";
      assert.deepEqual(await memory.getList("l"), [{ k: "v" }]);
    });

    it("mutating the fallback returned by get does not write anything", async () => {
      const memory = t.newManager().getMemory(freshId());
      const fallback = { a: 1 };
      const got: unknown = await memory.get("missing", fallback);
      assert.ok(isRecord(got));
      got.a = 2;
      assert.equal(await memory.has("missing"), false);
      assert.deepEqual(await memory.get("missing", { a: 1 }), { a: 1 });
    });
  });
}

/** Values: SerializationError, safe parsing and exact values, bytes, size limits, field names. */
import assert from "node:assert/strict";
import { SerializationError, ValidationError, ValueTooLargeError } from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith, sortedKeys } from "./helpers.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function cyclic(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

function nested(depth: number, kind: "array" | "object"): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { n: v };
  return v;
}

/** Values JSON would silently change; each must be rejected before anything is written. */
const unserializable: Array<[string, () => unknown]> = [
  ["undefined", () => undefined],
  ["NaN", () => Number.NaN],
  ["Infinity", () => Number.POSITIVE_INFINITY],
  ["-Infinity", () => Number.NEGATIVE_INFINITY],
  ["BigInt", () => 10n],
  ["Date", () => new Date(0)],
  ["Map", () => new Map([["a", 1]])],
  ["Set", () => new Set([1])],
  ["class instance", () => new Point(1, 2)],
  ["function", () => () => 1],
  ["symbol", () => Symbol("s")],
  ["cycle", cyclic],
  ["Uint16Array", () => new Uint16Array([1, 2])],
  ["ArrayBuffer", () => new ArrayBuffer(2)],
];

/** `n` bytes counting up from `from`, as a plain Uint8Array. */
function bytes(n: number, from = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (from + i) & 0xff;
  return out;
}

/** Asserts `value` is a plain Uint8Array (not a Buffer) holding exactly `expected`. */
function assertBytes(value: unknown, expected: Uint8Array, what: string): void {
  assert.ok(value instanceof Uint8Array, `${what}: expected a Uint8Array, got ${String(value)}`);
  assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype, `${what}: a Uint8Array, not a Buffer`);
  assert.equal(value.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(
    Buffer.from(value.buffer, value.byteOffset, value.byteLength).equals(expected),
    `${what}: the same bytes`,
  );
}

/** Objects that merely look like encoded values: each must come back as itself. */
const lookalikes: unknown[] = [
  { $bytes: "AAEC" },
  { $bytes: 5 },
  { $escaped: { $bytes: "AA==" } },
  { $escaped: { $escaped: "x" } },
  { $bytes: "AA==", other: 1 },
  { other: 1, $bytes: "AA==" },
];

/** `prefix` followed by `ch` (then ASCII) up to exactly 512 UTF-8 bytes. */
function fillTo512(prefix: string, ch: string): string {
  let s = prefix;
  while (Buffer.byteLength(s + ch, "utf8") <= 512) s += ch;
  while (Buffer.byteLength(s, "utf8") < 512) s += "a";
  return s;
}

export function valuesTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("SerializationError", () => {
    for (const [kind, make] of unserializable) {
      it(`rejects ${kind} at the top level and nested, writing nothing`, async () => {
        const memory = t.newManager().getMemory(freshId());
        await memory.set("existing", "before");
        await memory.append("list", "before");
        await rejectsWith(memory.set("top", bad(make())), SerializationError, "$");
        await rejectsWith(memory.set("existing", bad({ ok: 1, deep: { bad: make() } })), SerializationError);
        await rejectsWith(memory.update({ fresh: 1, existing: bad([1, make()]) }), SerializationError);
        await rejectsWith(memory.append("list", bad(make())), SerializationError);
        await rejectsWith(memory.append("newlist", bad({ v: make() })), SerializationError);
        await rejectsWith(memory.extend("list", bad(["ok", make()])), SerializationError);
        await rejectsWith(memory.insert("list", 0, bad(make())), SerializationError);
        await rejectsWith(memory.addMessage("user", "hi", bad({ when: make() })), SerializationError);
        await rejectsWith(
          memory.modify("existing", () => bad({ v: make() })),
          SerializationError,
        );
        assert.deepEqual(sortedKeys(await memory.keys()), ["existing", "list"]);
        assert.equal(await memory.get("existing"), "before");
        assert.deepEqual(await memory.getList("list"), ["before"]);
      });
    }

    it("names the JSONPath of the bad value in the message", async () => {
      const memory = t.newManager().getMemory(freshId());
      await rejectsWith(
        memory.set("user", bad({ name: "x", prefs: { since: new Date() } })),
        SerializationError,
        "$.prefs.since",
      );
      await rejectsWith(memory.set("l", bad([1, 2, undefined])), SerializationError, "$[2]");
      await rejectsWith(
        memory.set("o", bad({ items: [{ ok: 1 }, { at: Number.NaN }] })),
        SerializationError,
        "$.items[1].at",
      );
      await rejectsWith(memory.append("l", bad({ a: { b: 1n } })), SerializationError, "$.a.b");
      assert.deepEqual(await memory.keys(), []);
    });

    it("rejects nesting deeper than 512 levels without a stack overflow", async () => {
      const memory = t.newManager().getMemory(freshId());
      for (const kind of ["array", "object"] as const) {
        await rejectsWith(memory.set("deep", bad(nested(600, kind))), SerializationError);
        await rejectsWith(memory.set("deep", bad(nested(10_000, kind))), SerializationError);
        await rejectsWith(memory.append("deepl", bad(nested(10_000, kind))), SerializationError);
      }
      assert.deepEqual(await memory.keys(), []);
    });

    it("accepts nesting well within 512 levels", async () => {
      const memory = t.newManager().getMemory(freshId());
      const value = nested(500, "object");
      await memory.set("deep", bad(value));
      assert.deepEqual(await memory.get("deep"), value);
      const list = nested(500, "array");
      await memory.append("l", bad(list));
      assert.deepEqual(await memory.getList("l"), [list]);
    });
  });

  describe("safe parsing and exact values", () => {
    it("__proto__ and constructor keys round-trip as plain data", async () => {
      const memory = t.newManager().getMemory(freshId());
      const text = '{"__proto__":{"x":1},"constructor":{"prototype":{"polluted":true}},"ok":2}';
      const value: unknown = JSON.parse(text);
      await memory.set("v", bad(value));
      await memory.append("l", bad(value));
      await memory.update({ u: bad(JSON.parse(text)) });
      const got: unknown = await memory.get("v");
      const [element]: unknown[] = await memory.getList("l");
      const updated: unknown = await memory.get("u");
      for (const result of [got, element, updated]) {
        assert.ok(typeof result === "object" && result !== null);
        assert.equal(JSON.stringify(result), text);
        assert.equal(Object.getPrototypeOf(result), Object.prototype);
        assert.ok(Object.hasOwn(result, "__proto__"), "__proto__ is an own data property");
        assert.ok(Object.hasOwn(result, "constructor"));
        assert.equal((result as { x?: unknown }).x, undefined);
      }
      const probe: Record<string, unknown> = {};
      assert.equal(probe.x, undefined, "Object.prototype is not polluted");
      assert.equal(probe.polluted, undefined, "Object.prototype is not polluted");
      assert.equal(
        await memory.remove("l", bad(JSON.parse(text))),
        true,
        "deep-equal sees __proto__ as data",
      );
    });

    it("numbers, escapes and lone surrogates round-trip exactly, in values and list elements", async () => {
      const memory = t.newManager().getMemory(freshId());
      const values: unknown[] = [
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        0.1 + 0.2,
        1e21,
        123456789012345680000,
        5e-324,
        1.7976931348623157e308,
        -1.5e-7,
        '\u0000\u001f\u2028\u2029/\\"',
        "a\uD800",
        "\uDC00z",
        "😀",
        { "\uD800": "lone surrogate key", "": "empty key" },
      ];
      for (const [i, v] of values.entries()) await memory.set(`v${i}`, bad(v));
      for (const [i, v] of values.entries()) assert.deepEqual(await memory.get(`v${i}`), v, `value ${i}`);
      await memory.extend("l", bad(values));
      assert.deepEqual(await memory.getList("l"), values);
      await memory.insert("l", 1, bad(0.1 + 0.2));
      assert.equal(await memory.pop("l", 1), 0.1 + 0.2);
    });

    it("remove compares numbers exactly (0.3 is not 0.1 + 0.2)", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.extend("l", [0.3, 2 ** 53 - 1, "x"]);
      assert.equal(await memory.remove("l", 0.1 + 0.2), false);
      assert.equal(await memory.remove("l", 2 ** 53 - 2), false);
      assert.deepEqual(await memory.getList("l"), [0.3, 2 ** 53 - 1, "x"]);
      assert.equal(await memory.remove("l", 2 ** 53 - 1), true);
      assert.deepEqual(await memory.getList("l"), [0.3, "x"]);
    });
  });

  describe("bytes", () => {
    it("Uint8Array and Buffer values come back as the same bytes in a fresh Uint8Array", async () => {
      const memory = t.newManager().getMemory(freshId());
      const big = bytes(200_000, 7);
      await memory.set("empty", new Uint8Array(0));
      await memory.set("buffer", Buffer.from("héllo"));
      await memory.set("big", big);
      await memory.set("window", bytes(10).subarray(3, 6));
      const nested = { img: bytes(3, 250), parts: [bytes(1), { deep: [Buffer.from([9, 8])] }], n: 1 };
      await memory.set("nested", nested);
      await memory.update({ u1: bytes(4), u2: { k: Buffer.from([0xff]) } });
      assertBytes(await memory.get("empty"), new Uint8Array(0), "empty");
      assertBytes(await memory.get("buffer"), Buffer.from("héllo"), "buffer");
      assertBytes(await memory.get("big"), big, "big");
      assertBytes(await memory.get("window"), bytes(3, 3), "a subarray: its window only");
      assertBytes(await memory.get("u1"), bytes(4), "update");
      const back = (await memory.get("nested")) as typeof nested;
      assert.deepEqual(back, {
        img: bytes(3, 250),
        parts: [bytes(1), { deep: [new Uint8Array([9, 8])] }],
        n: 1,
      });
      assertBytes((back.parts[1] as { deep: unknown[] }).deep[0], new Uint8Array([9, 8]), "nested in a list");
      const items = new Map(await memory.items());
      assertBytes(items.get("big"), big, "items()");
      assert.deepEqual(items.get("u2"), { k: new Uint8Array([0xff]) });
      const copy = (await memory.get("u1")) as Uint8Array;
      copy[0] = 99;
      assertBytes(await memory.get("u1"), bytes(4), "mutating a result changes nothing stored");
    });

    it("list elements hold bytes: append, extend, insert, getList, pop, remove by deep equality", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.append("l", bytes(2));
      await memory.extend("l", [[1, 2, 3], { data: bytes(3, 1), tag: "x" }, bytes(3, 1)]);
      await memory.insert("l", 0, Buffer.from([7]));
      assert.deepEqual(await memory.getList("l"), [
        new Uint8Array([7]),
        bytes(2),
        [1, 2, 3],
        { data: bytes(3, 1), tag: "x" },
        bytes(3, 1),
      ]);
      assertBytes((await memory.getList("l", { start: -1 }))[0], bytes(3, 1), "getList slice");
      assert.equal(await memory.remove("l", new Uint8Array([1, 2])), false, "bytes never equal other bytes");
      assert.equal(await memory.remove("l", { data: [1, 2, 3], tag: "x" }), false, "nor an array of numbers");
      assert.equal(
        await memory.remove("l", { tag: "x", data: Buffer.from([1, 2, 3]) }),
        true,
        "key order ignored",
      );
      assert.equal(await memory.remove("l", Buffer.from([1, 2, 3])), true, "a Buffer equals its bytes");
      assert.deepEqual(await memory.getList("l"), [new Uint8Array([7]), bytes(2), [1, 2, 3]]);
      assert.equal(await memory.remove("l", [1, 2, 3]), true);
      assertBytes(await memory.pop("l", 0), new Uint8Array([7]), "pop");
      assert.deepEqual(await memory.getList("l"), [bytes(2)]);
    });

    it("modify receives bytes and may return bytes", async () => {
      const memory = t.newManager().getMemory(freshId());
      const grow = (current: unknown) => {
        assert.ok(current instanceof Uint8Array, "modify receives a Uint8Array");
        return Uint8Array.from([...current, current.length]);
      };
      assertBytes(
        await memory.modify("m", grow, { fallback: Buffer.from([5]) }),
        new Uint8Array([5, 1]),
        "modify",
      );
      assertBytes(await memory.modify("m", grow), new Uint8Array([5, 1, 2]), "modify again");
      assertBytes(await memory.get("m"), new Uint8Array([5, 1, 2]), "stored");
      const record = await memory.modify("r", (r: unknown) => ({ ...(r as object), blob: bytes(2) }), {
        fallback: { $bytes: "AA==" },
      });
      assert.deepEqual(record, { $bytes: "AA==", blob: bytes(2) });
      assert.deepEqual(await memory.get("r"), { $bytes: "AA==", blob: bytes(2) });
    });

    it("message metadata holds bytes and lookalikes", async () => {
      const memory = t.newManager().getMemory(freshId());
      const added = await memory.addMessage("user", "hi", { audio: Buffer.from([1, 2]), parts: [bytes(2)] });
      assertBytes(added.metadata.audio, new Uint8Array([1, 2]), "addMessage result");
      await memory.addMessage("assistant", "ok", { $bytes: "AQI=" });
      await memory.addMessage("assistant", '{"$bytes":"AQI="}', { $escaped: { $bytes: bytes(1) } });
      const [m0, m1, m2] = await memory.getMessages();
      assertBytes(m0?.metadata.audio, new Uint8Array([1, 2]), "getMessages");
      assert.deepEqual(m0?.metadata, { audio: new Uint8Array([1, 2]), parts: [bytes(2)] });
      assert.deepEqual(m1?.metadata, { $bytes: "AQI=" });
      assert.equal(m2?.content, '{"$bytes":"AQI="}', "content stays a string");
      assert.deepEqual(m2?.metadata, { $escaped: { $bytes: bytes(1) } });
    });

    it("objects that merely look like encoded values come back as themselves", async () => {
      const memory = t.newManager().getMemory(freshId());
      for (const [i, value] of lookalikes.entries()) await memory.set(`v${i}`, value);
      await memory.extend("l", lookalikes);
      await memory.update({ u: { $escaped: bytes(2) } });
      for (const [i, value] of lookalikes.entries())
        assert.deepEqual(await memory.get(`v${i}`), value, `value ${i}`);
      assert.deepEqual(await memory.getList("l"), lookalikes);
      assert.deepEqual(await memory.get("u"), { $escaped: bytes(2) });
      assert.equal(await memory.remove("l", { $bytes: "AAEC" }), true, "not the bytes AAEC stands for");
      assert.equal(await memory.remove("l", bytes(3)), false);
      assert.deepEqual(await memory.getList("l"), lookalikes.slice(1));
    });

    it("sizes and maxValueBytes count the encoded text: base64 is 4 bytes per 3", async () => {
      const frame = '{"$bytes":""}'.length; // 13
      const memory = t.newManager({ maxValueBytes: 100 }).getMemory(freshId());
      await memory.set("b", bytes(63)); // 13 + 84 = 97 bytes
      await memory.set("e", new Uint8Array(0));
      await memory.extend("l", [bytes(3), bytes(4)]); // 13 + 4, 13 + 8
      await memory.set("o", { x: bytes(1) }); // {"x":{"$bytes":"AA=="}}
      const size = await memory.getMemorySize();
      assert.deepEqual(size.fields, { b: frame + 84, e: frame, l: frame + 4 + frame + 8, o: 23 });
      assert.equal(size.totalSizeBytes, 97 + 13 + 38 + 23);
      await rejectsWith(memory.set("big", bytes(66)), ValueTooLargeError); // 13 + 88 = 101
      await rejectsWith(memory.append("l", bytes(66)), ValueTooLargeError);
      assert.equal(await memory.has("big"), false);
      assert.equal(await memory.listLength("l"), 2);
    });
  });

  describe("bytes: the API.md example and limits", () => {
    it("runs the Bytes example of API.md as written", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("avatar", { type: "image/png", data: new Uint8Array([137, 80, 78, 71]) });
      assert.deepEqual(await memory.get("avatar"), {
        type: "image/png",
        data: new Uint8Array([137, 80, 78, 71]),
      });
      assert.equal(
        (await memory.getMemorySize()).fields.avatar,
        '{"type":"image/png","data":{"$bytes":"iVBORw=="}}'.length,
      );
      await memory.set("note", { $bytes: "iVBORw==" });
      assert.deepEqual(await memory.get("note"), { $bytes: "iVBORw==" });
      assert.equal((await memory.getMemorySize()).fields.note, '{"$escaped":{"$bytes":"iVBORw=="}}'.length);
    });

    it("the default 1 MiB maxValueBytes holds 786,420 bytes, not 786,421", async () => {
      const memory = t.newManager().getMemory(freshId());
      await memory.set("max", new Uint8Array(786_420));
      assert.equal((await memory.getMemorySize()).fields.max, 4 * 262_140 + 13); // 1,048,573
      await rejectsWith(memory.set("over", new Uint8Array(786_421)), ValueTooLargeError);
      assert.equal(((await memory.get("max")) as Uint8Array).byteLength, 786_420);
      assert.equal(await memory.has("over"), false);
    });
  });

  describe("maxValueBytes", () => {
    it("counts the UTF-8 bytes of the encoded JSON; larger values -> ValueTooLargeError, nothing written", async () => {
      const memory = t.newManager({ maxValueBytes: 100 }).getMemory(freshId());
      await memory.set("ascii", "x".repeat(98)); // "xxx…" = 100 bytes
      assert.equal(await memory.get("ascii"), "x".repeat(98));
      await rejectsWith(memory.set("ascii", "y".repeat(99)), ValueTooLargeError);
      assert.equal(await memory.get("ascii"), "x".repeat(98), "the old value stays");
      await memory.set("utf8", "é".repeat(49)); // 98 bytes + 2 quotes
      await rejectsWith(memory.set("utf8big", "é".repeat(50)), ValueTooLargeError);
      await rejectsWith(memory.set("obj", { text: "z".repeat(95) }), ValueTooLargeError);
      assert.deepEqual(sortedKeys(await memory.keys()), ["ascii", "utf8"]);
    });

    it("applies to each list element, and to update, insert and modify, writing nothing", async () => {
      const memory = t.newManager({ maxValueBytes: 100 }).getMemory(freshId());
      const big = "x".repeat(99);
      const ok = "x".repeat(98);
      assert.equal(await memory.append("l", ok), 1);
      await rejectsWith(memory.append("l", big), ValueTooLargeError);
      await rejectsWith(memory.append("l2", big), ValueTooLargeError);
      await rejectsWith(memory.extend("l", ["small", big]), ValueTooLargeError);
      await rejectsWith(memory.insert("l", 0, big), ValueTooLargeError);
      await rejectsWith(memory.update({ a: 1, b: big }), ValueTooLargeError);
      await rejectsWith(
        memory.modify("l", () => [ok, big]),
        ValueTooLargeError,
      );
      await rejectsWith(memory.addMessage("user", "m".repeat(200)), ValueTooLargeError);
      assert.deepEqual(await memory.getList("l"), [ok]);
      assert.deepEqual(await memory.keys(), ["l"]);
      assert.equal(await memory.extend("l", [ok, ok]), 3, "each element may be up to the limit");
    });

    it("defaults to 1 MiB", async () => {
      const memory = t.newManager().getMemory(freshId());
      const limit = 1_048_576;
      await memory.set("max", "x".repeat(limit - 2));
      assert.equal(((await memory.get("max")) as string).length, limit - 2);
      await rejectsWith(memory.set("over", "x".repeat(limit - 1)), ValueTooLargeError);
      assert.equal(await memory.has("over"), false);
    });
  });

  describe("conversation ids", () => {
    it("getMemory throws ValidationError synchronously for invalid ids", () => {
      const manager = t.newManager();
      const invalid: unknown[] = [
        "",
        "a".repeat(513),
        `${"é".repeat(256)}a`,
        `${"😀".repeat(128)}a`,
        "\uD800",
        "ok\uDC00",
        "\uDBFF",
        42,
        null,
        undefined,
        {},
        ["a"],
      ];
      for (const id of invalid) {
        assert.throws(
          () => manager.getMemory(bad(id)),
          (err: unknown) => err instanceof ValidationError && err.code === "ERR_VALIDATION",
          `getMemory(${JSON.stringify(String(id)).slice(0, 40)})`,
        );
      }
    });

    it("accepts ids of exactly 512 UTF-8 bytes and rejects 513", async () => {
      const manager = t.newManager();
      const ids = ["a", "é", "😀", "€"].map((ch) => fillTo512(freshId("i"), ch));
      for (const id of ids) {
        assert.equal(Buffer.byteLength(id, "utf8"), 512);
        assert.throws(() => manager.getMemory(`${id}a`), ValidationError);
        assert.throws(() => manager.getMemory(`${id}é`), ValidationError);
      }
      ids.push(` ${freshId()} `, `${freshId()}\uD83D\uDE00`);
      for (const [i, id] of ids.entries()) {
        const memory = manager.getMemory(id);
        assert.equal(memory.conversationId, id);
        await memory.set("n", i);
      }
      for (const [i, id] of ids.entries()) {
        const memory = manager.getMemory(id);
        assert.equal(await memory.get("n"), i);
        await manager.cleanupConversation(id);
      }
    });

    it("cleanupConversation rejects invalid ids with ValidationError", async () => {
      const manager = t.newManager();
      for (const id of ["", "a".repeat(513), "\uD800"]) {
        await rejectsWith(manager.cleanupConversation(id), ValidationError);
      }
    });

    it("ids with glob, brace, colon, percent, space and emoji characters are isolated", async () => {
      const manager = t.newManager();
      const base = freshId();
      const suffixes = [
        "",
        "*",
        "?",
        "[a]",
        "[",
        ":",
        ":x",
        "}:x",
        "{",
        "}",
        "{x}",
        "%",
        "%7D",
        "%257D",
        " ",
        " x",
        "😀",
      ];
      const ids = [...suffixes.map((s) => base + s), `*${base}`, `{${base}}`];
      for (const [i, id] of ids.entries()) {
        const memory = manager.getMemory(id);
        await memory.set("f", id);
        await memory.set(`only${i}`, true);
        await memory.append("l", i);
      }
      const check = async (skip: ReadonlySet<string>): Promise<void> => {
        for (const [i, id] of ids.entries()) {
          const memory = manager.getMemory(id);
          if (skip.has(id)) {
            assert.deepEqual(await memory.keys(), [], `${JSON.stringify(id)} was cleared`);
            continue;
          }
          assert.deepEqual(
            sortedKeys(await memory.keys()),
            sortedKeys(["f", "l", `only${i}`]),
            JSON.stringify(id),
          );
          assert.equal(await memory.get("f"), id);
          assert.deepEqual(await memory.getList("l"), [i]);
        }
      };
      await check(new Set());
      const cleared = new Set<string>();
      assert.equal(await manager.getMemory(`${base}*`).clearAll(), 3);
      cleared.add(`${base}*`);
      await check(cleared);
      assert.equal(await manager.cleanupConversation(`${base}[a]`), 3);
      cleared.add(`${base}[a]`);
      await check(cleared);
      assert.equal(await manager.cleanupConversation(base), 3);
      cleared.add(base);
      await check(cleared);
      assert.equal(await manager.getMemory(`${base}}`).clearAll(), 3);
      cleared.add(`${base}}`);
      await check(cleared);
    });

    it("an id/field split can never build the same key as another", async () => {
      const manager = t.newManager();
      const base = freshId();
      const pairs: Array<[string, string]> = [
        [`${base}a}:x`, "y"],
        [`${base}a`, "x}:y"],
        [`${base}a%7D:x`, "y"],
        [`${base}a:x`, "y"],
        [`${base}a`, "x:y"],
        [`${base}a}`, "x"],
        [`${base}a%7D`, "x"],
      ];
      for (const [i, [id, field]] of pairs.entries()) await manager.getMemory(id).set(field, i);
      for (const [i, [id, field]] of pairs.entries()) {
        assert.equal(await manager.getMemory(id).get(field), i, `${id} / ${field}`);
      }
      assert.deepEqual(sortedKeys(await manager.getMemory(`${base}a`).keys()), ["x:y", "x}:y"]);
      assert.deepEqual(await manager.getMemory(`${base}a}:x`).keys(), ["y"]);
      assert.equal(await manager.getMemory(`${base}a}:x`).clearAll(), 1);
      assert.equal(await manager.getMemory(`${base}a`).get("x}:y"), 1);
      assert.equal(await manager.getMemory(`${base}a%7D:x`).get("y"), 2);
    });
  });

  describe("field names", () => {
    const invalid: Array<[string, unknown]> = [
      ["empty", ""],
      ["513 bytes", "f".repeat(513)],
      ["513 bytes (multi-byte)", `${"é".repeat(256)}f`],
      ["lone surrogate", "f\uD800"],
      ["non-string", 7],
      ["null", null],
    ];
    for (const [kind, f] of invalid) {
      it(`every method rejects a ${kind} field name with ValidationError`, async () => {
        const memory = t.newManager().getMemory(freshId());
        const field = bad(f);
        const calls: Array<[string, () => Promise<unknown>]> = [
          ["get", () => memory.get(field)],
          ["require", () => memory.require(field)],
          ["set", () => memory.set(field, 1)],
          ["has", () => memory.has(field)],
          ["delete", () => memory.delete(field)],
          ["incr", () => memory.incr(field)],
          ["modify", () => memory.modify(field, () => 1)],
          ["append", () => memory.append(field, 1)],
          ["extend", () => memory.extend(field, [1])],
          ["pop", () => memory.pop(field)],
          ["insert", () => memory.insert(field, 0, 1)],
          ["remove", () => memory.remove(field, 1)],
          ["getList", () => memory.getList(field)],
          ["listLength", () => memory.listLength(field)],
        ];
        for (const [name, call] of calls) {
          await assert.rejects(call(), (err: unknown) => {
            assert.ok(
              err instanceof ValidationError,
              `${name}: expected ValidationError, got ${String(err)}`,
            );
            assert.equal(err.code, "ERR_VALIDATION");
            return true;
          });
        }
        if (typeof f === "string") await rejectsWith(memory.update({ [f]: 1, ok: 2 }), ValidationError);
        assert.deepEqual(await memory.keys(), []);
      });
    }

    it("accepts field names up to 512 UTF-8 bytes", async () => {
      const memory = t.newManager().getMemory(freshId());
      const names = ["f".repeat(512), "é".repeat(256), "😀".repeat(128)];
      for (const [i, name] of names.entries()) await memory.set(name, i);
      for (const [i, name] of names.entries()) assert.equal(await memory.get(name), i);
      assert.deepEqual(sortedKeys(await memory.keys()), sortedKeys(names));
    });
  });
}

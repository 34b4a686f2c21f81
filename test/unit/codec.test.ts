import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeJson, encodeJson, MAX_DEPTH } from "../../src/codec.js";
import { SerializationError } from "../../src/errors.js";
import { jsonEqual } from "../../src/values.js";

function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe("codec", () => {
  it("round-trips every JSON value exactly", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.deepStrictEqual(decodeJson(encodeJson(value)), value);
      }),
      { numRuns: 2000 },
    );
  });

  it("produces the same text as JSON.stringify for JSON values (readable, standard)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Re-stringifying normalizes -0 (which convmem keeps and JSON.stringify drops).
        assert.equal(JSON.stringify(JSON.parse(encodeJson(value))), JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps -0 and lone surrogates in strings", () => {
    assert.ok(Object.is(decodeJson(encodeJson(-0)), -0));
    assert.equal(decodeJson(encodeJson("a\ud800b")), "a\ud800b");
  });

  it("treats __proto__ and constructor keys as plain data", () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as object;
    const back = decodeJson(encodeJson(value)) as Record<string, unknown>;
    assert.deepStrictEqual(Object.keys(back), ["__proto__", "constructor"]);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const rejects: Array<[string, unknown, string]> = [
    ["undefined", { a: undefined }, "$.a"],
    ["NaN", { a: [1, Number.NaN] }, "$.a[1]"],
    ["Infinity", Number.POSITIVE_INFINITY, "$"],
    ["BigInt", { b: 1n }, "$.b"],
    ["Date", { prefs: { since: new Date() } }, "$.prefs.since"],
    ["Map", { m: new Map() }, "$.m"],
    ["Set", [new Set()], "$[0]"],
    ["class instance", { x: new (class Foo {})() }, "$.x"],
    ["function", { f: () => 1 }, "$.f"],
    ["symbol", { s: Symbol("s") }, "$.s"],
    ["odd key", { "a b": { c: undefined } }, '$["a b"].c'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    ["array hole", [1, , 3], "$[1]"],
  ];
  for (const [name, value, path] of rejects) {
    it(`rejects ${name} naming the path ${path}`, () => {
      assert.throws(
        () => encodeJson(value),
        (err: unknown) =>
          err instanceof SerializationError && err.path === path && err.message.includes(path),
      );
    });
  }

  it("rejects cycles", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    assert.throws(
      () => encodeJson(a),
      (err: unknown) => err instanceof SerializationError && err.path === "$.self",
    );
  });

  it(`accepts ${MAX_DEPTH} levels of nesting and rejects deeper values without overflowing the stack`, () => {
    assert.doesNotThrow(() => encodeJson(nested(MAX_DEPTH)));
    assert.throws(() => encodeJson(nested(MAX_DEPTH + 1)), SerializationError);
    assert.throws(() => encodeJson(nested(10_000)), SerializationError);
    assert.throws(() => encodeJson(nested(1_000_000)), SerializationError);
  });

  it("counts a list element's own list as a level: elements nest one level less", () => {
    assert.doesNotThrow(() => encodeJson(nested(MAX_DEPTH - 1), 0));
    assert.throws(() => encodeJson(nested(MAX_DEPTH), 0), SerializationError);
  });

  it("takes the native path only when it gives the same text: -0, holes, class instances, symbols", () => {
    assert.equal(encodeJson({ a: [1, -0, { b: -0 }] }), '{"a":[1,-0,{"b":-0}]}');
    const holey: unknown[] = [1];
    holey[2] = 3; // index 1 is a hole
    assert.throws(() => encodeJson(holey), SerializationError);
    assert.throws(() => encodeJson({ d: new Date(0) }), SerializationError);
    assert.throws(() => encodeJson({ [Symbol("s")]: 1 }), SerializationError);
    assert.throws(() => encodeJson({ toJSON: () => 1 }), SerializationError);
    assert.equal(encodeJson(Object.assign(Object.create(null), { x: 1 })), '{"x":1}');
  });

  it("reports element paths for list elements", () => {
    assert.throws(
      () => encodeJson({ bad: undefined }, 3),
      (err: unknown) => (err as SerializationError).path === "$[3].bad",
    );
  });

  it("raises SerializationError (not SyntaxError) for malformed stored text", () => {
    assert.throws(() => decodeJson("{nope"), SerializationError);
  });
});

/** A value of what the codec stores: JSON, bytes (Uint8Array or Buffer) and tag lookalikes, nested. */
const storable = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string(),
    ),
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    // A Uint8Array viewing part of a larger buffer: only its window is its bytes.
    fc.uint8Array({ minLength: 2, maxLength: 40 }).map((b) => b.subarray(1)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("a", "$bytes", "$escaped", "__proto__", ""), tie("value"), { maxKeys: 3 }),
    // Objects that look like tags: a reserved key alone, with any value, a base64 string above all.
    fc
      .tuple(fc.constantFrom("$bytes", "$escaped"), fc.oneof(fc.base64String(), tie("value")))
      .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}:null}`, (k, v) => (k === key ? value : v))),
  ),
})).value;

/** What decoding gives back for `value`: the same, with every Buffer as a plain Uint8Array. */
function expected(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(expected);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, k, {
      value: expected(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Every Uint8Array inside `value`. */
function bytesIn(value: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (value instanceof Uint8Array) out.push(value);
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) bytesIn(v, out);
  return out;
}

describe("codec: bytes", () => {
  it("round-trips bytes and tag lookalikes at any depth as themselves (property)", () => {
    fc.assert(
      fc.property(storable, (value) => {
        const text = encodeJson(value);
        const back = decodeJson(text);
        assert.deepStrictEqual(back, expected(value));
        for (const bytes of bytesIn(back)) {
          assert.equal(
            Object.getPrototypeOf(bytes),
            Uint8Array.prototype,
            "a plain Uint8Array, not a Buffer",
          );
          assert.equal(bytes.byteOffset, 0);
          assert.equal(bytes.buffer.byteLength, bytes.byteLength, "its own buffer, not a pool slice");
        }
        assert.equal(encodeJson(back), text, "re-encoding gives the same text");
      }),
      { numRuns: 3000 },
    );
  });

  it("encodes bytes as padded standard base64 and escapes objects whose only key is reserved", () => {
    assert.equal(encodeJson(new Uint8Array([137, 80, 78, 71])), '{"$bytes":"iVBORw=="}');
    assert.equal(encodeJson(Buffer.from([0xfb, 0xff])), '{"$bytes":"+/8="}');
    assert.equal(encodeJson(new Uint8Array(0)), '{"$bytes":""}');
    assert.equal(encodeJson(new Uint8Array([1, 2, 3, 4]).subarray(1, 3)), '{"$bytes":"AgM="}');
    assert.equal(encodeJson([new Uint8Array([255])], 2), '[{"$bytes":"/w=="}]');
    assert.equal(encodeJson({ $bytes: "AA==" }), '{"$escaped":{"$bytes":"AA=="}}');
    assert.equal(
      encodeJson({ $escaped: { $bytes: "AA==" } }),
      '{"$escaped":{"$escaped":{"$escaped":{"$bytes":"AA=="}}}}',
    );
    assert.equal(encodeJson({ $bytes: new Uint8Array([0]) }), '{"$escaped":{"$bytes":{"$bytes":"AA=="}}}');
    // More keys, other keys, other key orders: plain objects, written as JSON.stringify does.
    for (const value of [
      { $bytes: "AA==", b: 1 },
      { b: 1, $bytes: "AA==" },
      { $Bytes: "AA==" },
      { bytes: "AA==" },
      {},
    ]) {
      assert.equal(encodeJson(value), JSON.stringify(value));
      assert.deepStrictEqual(decodeJson(encodeJson(value)), value);
    }
  });

  it("decodes only the exact tags the encoder writes; any other lookalike is plain data", () => {
    const plain = [
      '{"$bytes":5}',
      '{"$bytes":null}',
      '{"$bytes":["AA=="]}',
      '{"$bytes":"AA"}', // unpadded
      '{"$bytes":"AB=="}', // stray bits: not what the encoder writes for [0]
      '{"$bytes":"-_8="}', // base64url
      '{"$bytes":"A A="}',
      '{"$bytes":"AA==\\n"}',
      '{"$bytes":"AA==","x":1}',
      '{"x":1,"$bytes":"AA=="}',
      '{"$escaped":5}',
      '{"$escaped":"AA=="}',
      '{"$escaped":[{"a":1}]}',
      '{"$escaped":{"a":1}}',
      '{"$escaped":{}}',
      '{"$escaped":{"$bytes":"AA==","x":1}}',
      '{"$escaped":{"$escaped":1},"y":2}',
    ];
    for (const text of plain) {
      assert.deepStrictEqual(decodeJson(text), JSON.parse(text), text);
      assert.deepStrictEqual(
        decodeJson(encodeJson(decodeJson(text))),
        JSON.parse(text),
        `${text} re-encoded`,
      );
    }
    assert.deepStrictEqual(decodeJson('{"$bytes":"AA=="}'), new Uint8Array([0]));
    assert.deepStrictEqual(decodeJson('{"$escaped":{"$bytes":"AA=="}}'), { $bytes: "AA==" });
    assert.deepStrictEqual(decodeJson('{"$escaped":{"$escaped":{"$bytes":"AA=="}}}'), {
      $escaped: new Uint8Array([0]),
    });
    assert.deepStrictEqual(decodeJson('[{"k":{"$bytes":""}},{"$bytes":"/w=="}]'), [
      { k: new Uint8Array(0) },
      new Uint8Array([255]),
    ]);
    // A tag key spelled with escapes is the same key: found whatever else the text holds.
    assert.deepStrictEqual(decodeJson('{"\\u0024bytes":"AA=="}'), new Uint8Array([0]));
    assert.deepStrictEqual(decodeJson('{"a":{"$byt\\u0065s":"AQ=="}}'), { a: new Uint8Array([1]) });
  });

  it("keeps __proto__ keys as data next to bytes", () => {
    const text = '{"__proto__":{"$bytes":"AQI="},"x":{"__proto__":{"$escaped":{"$bytes":"x"}}}}';
    const back = decodeJson(text) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, "__proto__"));
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, new Uint8Array([1, 2]));
    const inner = back.x as Record<string, unknown>;
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(inner, "__proto__")?.value, { $bytes: "x" });
    assert.equal(encodeJson(back), text);
  });

  it("round-trips large bytes, and bytes the same at every byte value", () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 1);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    const text = encodeJson({ blob: big });
    assert.equal(
      text.length,
      '{"blob":{"$bytes":""}}'.length + 4 * Math.ceil(big.length / 3),
      "base64: 4 bytes per 3",
    );
    assert.deepStrictEqual(decodeJson(text), { blob: big });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepStrictEqual(decodeJson(encodeJson(all)), all);
  });

  it("decodes tags nested deeper than any stack, without recursion", () => {
    const depth = 200_000;
    const text = `${"[".repeat(depth)}{"$bytes":"AA=="}${"]".repeat(depth)}`;
    let value = decodeJson(text);
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    assert.deepStrictEqual(value, new Uint8Array([0]));
  });

  it("counts bytes as one level of nesting, as its encoded object", () => {
    assert.doesNotThrow(() => encodeJson(nested(MAX_DEPTH - 1, new Uint8Array(1))));
    assert.throws(() => encodeJson(nested(MAX_DEPTH, new Uint8Array(1))), SerializationError);
  });

  const binary: Array<[string, unknown]> = [
    ["Uint8ClampedArray", new Uint8ClampedArray(2)],
    ["Int8Array", new Int8Array(2)],
    ["Uint16Array", new Uint16Array(2)],
    ["Float64Array", new Float64Array(2)],
    ["DataView", new DataView(new ArrayBuffer(2))],
    ["ArrayBuffer", new ArrayBuffer(2)],
    ["SharedArrayBuffer", new SharedArrayBuffer(2)],
  ];
  for (const [name, value] of binary) {
    it(`rejects a ${name} naming the path and pointing to Uint8Array`, () => {
      assert.throws(
        () => encodeJson({ data: [value] }),
        (err: unknown) =>
          err instanceof SerializationError &&
          err.path === "$.data[0]" &&
          err.message.includes(name) &&
          err.message.includes("new Uint8Array("),
      );
    });
  }

  it("does not take an object that calls itself a Uint8Array for bytes", () => {
    const fake = { [Symbol.toStringTag]: "Uint8Array", length: 0 };
    assert.throws(() => encodeJson(fake), SerializationError);
    assert.throws(() => encodeJson(Object.setPrototypeOf({}, Uint8Array.prototype)), SerializationError);
  });

  it("jsonEqual (remove) compares bytes byte by byte, and bytes only with bytes", () => {
    const u = new Uint8Array([1, 2, 3]);
    assert.ok(jsonEqual(u, Buffer.from([1, 2, 3])));
    assert.ok(jsonEqual({ a: [u], b: 1 }, { b: 1, a: [new Uint8Array([1, 2, 3])] }));
    assert.ok(jsonEqual(new Uint8Array([9, 1, 2, 3]).subarray(1), u));
    assert.ok(jsonEqual(new Uint8Array(0), Buffer.alloc(0)));
    assert.ok(!jsonEqual(u, new Uint8Array([1, 2, 4])));
    assert.ok(!jsonEqual(u, new Uint8Array([1, 2])));
    assert.ok(!jsonEqual(u, [1, 2, 3]));
    assert.ok(!jsonEqual([1, 2, 3], u));
    assert.ok(!jsonEqual(u, { 0: 1, 1: 2, 2: 3 }));
    assert.ok(!jsonEqual({ 0: 1, 1: 2, 2: 3 }, u));
    assert.ok(!jsonEqual(u, { $bytes: "AQID" }));
    assert.ok(!jsonEqual(new Uint8Array(0), {}));
  });
});

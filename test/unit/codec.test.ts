import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeJson, encodeJson, MAX_DEPTH } from "../../src/codec.js";
import { SerializationError } from "../../src/errors.js";

function nested(depth: number): unknown {
  let v: unknown = 1;
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

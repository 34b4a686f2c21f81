/**
 * Hostile inputs for the property tests in hostile.test.ts, each with an independent oracle of
 * what the contract says must happen: names (ids, fields, message ids) full of glob characters,
 * braces, colons, `%`, control characters and lone surrogates, many sized at 512 UTF-8 bytes ±1;
 * JSON values with `__proto__` / `constructor` keys, `-0`, extreme numbers and lone surrogates;
 * the same values poisoned with something JSON cannot represent exactly (a cycle, nesting up to
 * 10,000 levels, undefined, NaN, BigInt, Date, a class instance, an array hole, …); and strings
 * around `maxValueBytes`.
 */
import fc from "fast-check";

/** Largest id / field name / message id, in UTF-8 bytes (the contract's limit). */
export const MAX_NAME_BYTES = 512;
/** Deepest nesting the contract accepts. */
export const MAX_DEPTH = 512;

const PIECES = [
  "*",
  "?",
  "[",
  "]",
  "[a-z]",
  "^",
  "\\",
  "{",
  "}",
  "{}",
  "}:",
  ":",
  "%",
  "%7B",
  "%7D",
  "%25",
  " ",
  "\u0000",
  "\n",
  "\r\n",
  "\t",
  "\u001b",
  "\u007f",
  "é",
  "€",
  "中",
  "😀",
  "e\u0301",
  "\u200b",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\udbff\udfff",
  "__proto__",
  "constructor",
  "conv",
  "meta",
  "mids",
  "reg",
  "messages",
  "a",
  "0",
];

/** Short strings made of hostile pieces (possibly empty, possibly with lone surrogates). */
export const hostileString = (maxPieces = 10): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...PIECES), { maxLength: maxPieces }).map((parts) => parts.join(""));

/** Strings of exactly 511, 512 or 513 UTF-8 bytes mixing 1- to 4-byte characters, maybe with a lone surrogate. */
export const boundaryName: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(MAX_NAME_BYTES - 1, MAX_NAME_BYTES, MAX_NAME_BYTES + 1),
    fc.array(fc.constantFrom("a", "*", "{", "}", ":", "%", "\u0000", "é", "€", "😀"), {
      minLength: 1,
      maxLength: 40,
    }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([target, chars, loneAt]) => {
    let s = "";
    let bytes = 0;
    for (let i = 0; ; i++) {
      const c = chars[i % chars.length] as string;
      const b = Buffer.byteLength(c);
      if (bytes + b > target) break;
      s += c;
      bytes += b;
    }
    s += "a".repeat(target - bytes);
    if (loneAt === undefined) return s;
    // Replace one 1-byte character by a lone surrogate (never splitting a pair).
    const chars2 = [...s];
    const at = loneAt % chars2.length;
    chars2[at] = "\udc00";
    return chars2.join("");
  });

/** Any name: hostile pieces, the 512-byte boundary, arbitrary code units, or empty. */
export const hostileName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileString(12) },
  { weight: 2, arbitrary: boundaryName },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constant("") },
);

/** The contract's rule for ids, field names and message ids. */
export function validName(name: string): boolean {
  return name.length > 0 && name.isWellFormed() && Buffer.byteLength(name) <= MAX_NAME_BYTES;
}

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, 1.5, -1e308, 5e-324, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  hostileString(8),
  fc.string({ unit: "binary", maxLength: 16 }),
);

const objectKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "",
    "$",
    "a.b",
    "[0]",
  ),
  hostileString(4),
);

/** A plain object whose own enumerable properties are `entries` (`__proto__` included, as data). */
function plainObject(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON values that convmem must store and return exactly. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(objectKey, tie("value")), { maxLength: 4 }).map(plainObject),
    },
  ),
})).value;

class Opaque {
  readonly x = 1;
}

/** Things JSON cannot represent exactly; "cycle" and "deep" are built in place by {@link poison}. */
const POISONS = [
  "undefined",
  "NaN",
  "Infinity",
  "BigInt",
  "Date",
  "Map",
  "Set",
  "class",
  "function",
  "symbol",
  "hole",
  "cycle",
  "deep",
] as const;
export type PoisonKind = (typeof POISONS)[number];

function nested(depth: number, objects: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = objects && i % 2 === 0 ? { d: v } : [v];
  return v;
}

function poisonValue(kind: PoisonKind, depth: number, ancestor: object): unknown {
  switch (kind) {
    case "undefined":
      return undefined;
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.NEGATIVE_INFINITY;
    case "BigInt":
      return 10n;
    case "Date":
      return new Date(0);
    case "Map":
      return new Map([[1, 2]]);
    case "Set":
      return new Set([1]);
    case "class":
      return new Opaque();
    case "function":
      return () => 1;
    case "symbol":
      return Symbol("s");
    case "hole":
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      return [1, , 2];
    case "cycle":
      return ancestor;
    case "deep":
      return nested(depth, depth % 2 === 1);
  }
}

/** A deep copy of a generated JSON value (poisoning must not mutate what fast-check may reuse). */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (typeof value === "object" && value !== null) {
    return plainObject(Object.entries(value).map(([k, v]) => [k, copy(v)] as const));
  }
  return value;
}

/** Containers of `root` (itself first), depth-first. */
function containers(root: unknown, out: object[] = []): object[] {
  if (typeof root === "object" && root !== null) {
    out.push(root);
    for (const v of Object.values(root)) containers(v, out);
  }
  return out;
}

/**
 * A JSON value with one poison planted in it (inside a container of the value, or wrapping the
 * value). A "deep" poison is nested 600 to 10,000 levels.
 */
export const poisonedValue: fc.Arbitrary<unknown> = fc
  .tuple(
    jsonValue,
    fc.constantFrom(...POISONS),
    fc.nat(),
    fc.integer({ min: 600, max: 10_000 }),
    fc.boolean(),
  )
  .map(([base, kind, pick, depth, asArray]) => {
    const root = asArray ? [copy(base)] : { base: copy(base) };
    const all = containers(root);
    const host = all[pick % all.length] as Record<string, unknown> | unknown[];
    // A cycle points back at the host itself or at the root (always an ancestor of the host).
    const bad = poisonValue(kind, depth, pick & 8 ? root : host);
    if (Array.isArray(host)) host.push(bad);
    else Object.defineProperty(host, "poison", { value: bad, enumerable: true, writable: true });
    return root;
  });

/** Strings whose encoded JSON is near `maxValueBytes` (some over it), from 1- to 4-byte characters and escapes. */
export const sizedString = (maxValueBytes: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.integer({ min: maxValueBytes - 40, max: maxValueBytes + 40 }),
      fc.array(fc.constantFrom("a", "é", "€", "😀", '"', "\\", "\n", "\u0000", "\ud800"), {
        minLength: 1,
        maxLength: 8,
      }),
    )
    .map(([target, chars]) => {
      // No character here pairs with its neighbours, so each adds a fixed number of bytes.
      const cost = chars.map((c) => Buffer.byteLength(JSON.stringify(c)) - 2);
      const parts: string[] = [];
      let bytes = 2;
      for (let i = 0; bytes + 6 < target; i++) {
        parts.push(chars[i % chars.length] as string);
        bytes += cost[i % chars.length] as number;
      }
      return parts.join("") + "a".repeat(Math.max(0, target - bytes));
    });

/**
 * Why a value must be rejected, as the contract defines it (an independent reading, not the
 * codec): "serialization" if anything in it is not exact JSON or it nests deeper than
 * {@link MAX_DEPTH} counting from `depth`; else undefined.
 */
export function poisonIn(value: unknown, depth = 0, ancestors: Set<object> = new Set()): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : "serialization";
    case "object": {
      if (value === null) return undefined;
      if (depth + 1 > MAX_DEPTH || ancestors.has(value)) return "serialization";
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value)) return "serialization";
      } else if (proto !== Object.prototype && proto !== null) {
        return "serialization";
      }
      if (Object.getOwnPropertySymbols(value).length > 0) return "serialization";
      ancestors.add(value);
      for (const v of Object.values(value)) {
        const why = poisonIn(v, depth + 1, ancestors);
        if (why) return why;
      }
      ancestors.delete(value);
      return undefined;
    }
    default:
      return "serialization";
  }
}

/** UTF-8 bytes of the JSON text of an exact-JSON value, `-0` written as `-0` (as convmem stores it). */
export function encodedBytes(value: unknown): number {
  let minusZeros = 0;
  const count = (v: unknown): void => {
    if (Object.is(v, -0)) minusZeros++;
    else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) count(x);
  };
  count(value);
  return Buffer.byteLength(JSON.stringify(value)) + minusZeros;
}

/**
 * What storing `value` must do, per the contract: "ok", "serialization" or "too-large". With
 * `asList`, an array is stored as a list: its elements are checked one by one, in order, each
 * nested one level inside the list.
 */
export function expectedOutcome(value: unknown, maxValueBytes: number, asList: boolean): string {
  if (!(asList && Array.isArray(value))) return oneValue(value, maxValueBytes, 0);
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) return "serialization";
    const outcome = oneValue(value[i], maxValueBytes, 1);
    if (outcome !== "ok") return outcome;
  }
  return "ok";
}

function oneValue(value: unknown, maxValueBytes: number, depth: number): string {
  if (poisonIn(value, depth)) return "serialization";
  return encodedBytes(value) > maxValueBytes ? "too-large" : "ok";
}

/**
 * Strict JSON codec. Encodes only what JSON represents exactly — null, booleans, finite
 * numbers, strings, arrays and plain objects — plus bytes (`Uint8Array`), and rejects
 * everything JSON would silently change (undefined, NaN, ±Infinity, BigInt, Date, Map, Set,
 * class instances, other typed arrays, functions, symbols, cycles, sparse arrays) with a
 * {@link SerializationError} naming the JSONPath. Nesting is limited to {@link MAX_DEPTH}
 * levels, checked before descending, so hostile input can never overflow the stack. `-0` is
 * kept as `-0`, so it round-trips.
 *
 * Bytes are tagged objects: a `Uint8Array` (a `Buffer` too) is `{"$bytes":"<base64>"}`
 * (standard alphabet, padded). A plain object that would read as a tag — its only own key is
 * `$bytes` or `$escaped` — is wrapped as `{"$escaped":{<its key>:<its value>}}`, so user data
 * that merely looks like an encoded value comes back as itself. Only these exact forms are
 * tags when decoding (see {@link decodeJson}); any other object is plain data.
 *
 * Decoding uses `JSON.parse`, which treats `__proto__` / `constructor` keys as plain data, and
 * walks the parsed value for tags only when the text can contain one.
 */
import { SerializationError } from "./errors.js";

/** Deepest nesting of arrays/objects accepted. */
export const MAX_DEPTH = 512;

/** A pluggable value encoding (the `codec` manager option). */
export interface Codec {
  /**
   * Encodes one value to text; throws {@link SerializationError} for unsupported values.
   * `index` is set when the value is element `index` of a list (for error paths like `$[3].x`).
   */
  encode(value: unknown, index?: number): string;
  /** Decodes text produced by `encode`. */
  decode(text: string): unknown;
}

/** The tag of an encoded `Uint8Array`: `{"$bytes":"<standard base64, padded>"}`. */
export const BYTES_TAG = "$bytes";
/** The tag wrapping a plain object that would otherwise read as a tag: `{"$escaped":{…}}`. */
export const ESCAPED_TAG = "$escaped";

function isReserved(key: string | undefined): boolean {
  return key === BYTES_TAG || key === ESCAPED_TAG;
}

/** The `Symbol.toStringTag` getter of typed arrays: the type's name, from any realm. */
const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as (this: unknown) => string | undefined;

/** True for a `Uint8Array`: a `Buffer` or another subclass too, from any realm. */
export function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && typedArrayName.call(value) === "Uint8Array";
}

/** Standard padded base64 of `bytes`' own window of its buffer. */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

type Segment = string | number;

function pathOf(segments: readonly Segment[]): string {
  let out = "$";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function fail(segments: readonly Segment[], what: string, hint = ""): never {
  const path = pathOf(segments);
  throw new SerializationError(
    path,
    `cannot store ${what} at ${path}: JSON cannot represent it exactly${hint}`,
  );
}

function kindOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name.length > 0 ? `a ${name} instance` : "a non-plain object";
}

/** A hint for binary data that is not a `Uint8Array` (another typed array, a DataView, an ArrayBuffer). */
function binaryHint(value: object): string {
  const binary =
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer);
  return binary ? "; bytes are stored from a Uint8Array (wrap it: new Uint8Array(…))" : "";
}

class Encoder {
  constructor(private readonly segments: Segment[] = []) {}
  private readonly ancestors = new Set<object>();

  encode(value: unknown, depth: number): string {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value);
      case "number":
        if (!Number.isFinite(value)) fail(this.segments, String(value));
        return Object.is(value, -0) ? "-0" : String(value);
      case "boolean":
        return value ? "true" : "false";
      case "object":
        if (value === null) return "null";
        return this.container(value, depth + 1);
      case "undefined":
        return fail(this.segments, "undefined");
      case "bigint":
        return fail(this.segments, "a BigInt");
      case "function":
        return fail(this.segments, "a function");
      default:
        return fail(this.segments, "a symbol");
    }
  }

  private container(value: object, depth: number): string {
    if (depth > MAX_DEPTH) fail(this.segments, `a value nested deeper than ${MAX_DEPTH} levels`);
    if (isBytes(value)) return `{"${BYTES_TAG}":"${base64(value)}"}`;
    if (this.ancestors.has(value)) fail(this.segments, "a cycle");
    this.ancestors.add(value);
    const out = Array.isArray(value) ? this.array(value, depth) : this.object(value, depth);
    this.ancestors.delete(value);
    return out;
  }

  private array(value: readonly unknown[], depth: number): string {
    const parts: string[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      this.segments.push(i);
      if (!(i in value)) fail(this.segments, "an array hole");
      parts[i] = this.encode(value[i], depth);
      this.segments.pop();
    }
    return `[${parts.join(",")}]`;
  }

  private object(value: object, depth: number): string {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(this.segments, kindOf(value), binaryHint(value));
    if (Object.getOwnPropertySymbols(value).length > 0) fail(this.segments, "a symbol-keyed property");
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    const parts: string[] = [];
    for (const key of keys) {
      this.segments.push(key);
      parts.push(`${JSON.stringify(key)}:${this.encode(record[key], depth)}`);
      this.segments.pop();
    }
    const out = `{${parts.join(",")}}`;
    return keys.length === 1 && isReserved(keys[0]) ? `{"${ESCAPED_TAG}":${out}}` : out;
  }
}

/**
 * True when `JSON.stringify` encodes `value` exactly as {@link Encoder} would: only plain data,
 * no `-0`, no bytes, no object that needs escaping, not too deep. Allocates nothing but key
 * lists; anything unusual (including every error case) is left to the Encoder, which finds the
 * path. A cycle exceeds the depth limit, so it ends here too.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 1 && isReserved(keys[0])) return false;
      for (const key of keys) if (!isPlainJson(record[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Encodes a value (or, with `index`, element `index` of a list) as strict JSON text: bytes as
 * `{"$bytes":"<base64>"}`, an object whose only key is `$bytes` or `$escaped` wrapped in
 * `{"$escaped":…}`, everything else as `JSON.stringify` writes it (but `-0` stays `-0`).
 *
 * @example
 * encodeJson({ png: new Uint8Array([137, 80]) }); // '{"png":{"$bytes":"iVA="}}'
 * encodeJson({ $bytes: "iVA=" }); // '{"$escaped":{"$bytes":"iVA="}}'
 */
export function encodeJson(value: unknown, index?: number): string {
  // Common case: plain data, encoded natively. Otherwise the Encoder encodes or names the problem.
  if (isPlainJson(value, index === undefined ? 0 : 1)) return JSON.stringify(value);
  return index === undefined ? new Encoder().encode(value, 0) : new Encoder([index]).encode(value, 1);
}

/**
 * True when `text` may hold a tag: the encoder writes tag keys literally, and `\u` covers a key
 * spelled with escapes (written by something else), so tags are found however they are spelled.
 * The searches start at `$` (rare in JSON), not at the key's opening quote (V8 scans for a
 * pattern's first character, and quotes are everywhere in JSON): a superset, equally exact.
 */
function mayHoldTags(text: string): boolean {
  // One-character searches first: several times faster than the longer ones on two-byte strings.
  return (
    (text.includes("$") && (text.includes('$bytes"') || text.includes('$escaped"'))) ||
    (text.includes("\\") && text.includes("\\u"))
  );
}

/** The bytes of canonical standard padded base64 (what the encoder writes); else undefined. */
function bytesOf(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const buffer = Buffer.from(text, "base64");
  // Buffer skips characters outside the alphabet and ignores stray bits: re-encoding catches both.
  if (buffer.toString("base64") !== text) return undefined;
  return new Uint8Array(buffer); // a copy: its own ArrayBuffer, not a slice of Buffer's pool
}

/**
 * What the tagged object `value` stands for, or `undefined` when it is plain data: a
 * `{"$bytes": <canonical base64>}` is its bytes, a `{"$escaped": {<one reserved key>: …}}` is
 * the inner object (whose members are still to be revived, but which is never itself a tag).
 */
function untag(value: Record<string, unknown>): Uint8Array | Record<string, unknown> | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (keys[0] === BYTES_TAG) {
    const text = value[BYTES_TAG];
    return typeof text === "string" ? bytesOf(text) : undefined;
  }
  if (keys[0] !== ESCAPED_TAG) return undefined;
  const inner = value[ESCAPED_TAG];
  if (typeof inner !== "object" || inner === null || Array.isArray(inner)) return undefined;
  const innerKeys = Object.keys(inner);
  return innerKeys.length === 1 && isReserved(innerKeys[0]) ? (inner as Record<string, unknown>) : undefined;
}

/**
 * Replaces the tags inside a freshly parsed value, top-down (so an escaped object's own tag-like
 * key is never read as a tag) and without recursion (so no nesting overflows the stack).
 */
function revive(parsed: unknown): unknown {
  const root: unknown[] = [parsed];
  const pending: object[] = [root];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    const record = container as Record<string, unknown>;
    const keys = Array.isArray(container) ? undefined : Object.keys(container);
    const count = keys === undefined ? (container as unknown[]).length : keys.length;
    for (let i = 0; i < count; i++) {
      const key = keys === undefined ? i : (keys[i] as string);
      const value = record[key];
      if (typeof value !== "object" || value === null) continue;
      if (Array.isArray(value)) {
        pending.push(value);
        continue;
      }
      const replaced = untag(value as Record<string, unknown>);
      if (replaced === undefined) pending.push(value);
      else {
        record[key] = replaced;
        if (!isBytes(replaced)) pending.push(replaced);
      }
    }
  }
  return root[0];
}

/**
 * Parses JSON text safely; malformed text raises {@link SerializationError}. Tags become what
 * they encode: `{"$bytes":"<base64>"}` a fresh `Uint8Array` (never a `Buffer`), and
 * `{"$escaped":{"$bytes":…}}` the plain object `{"$bytes":…}`. Only those exact forms are
 * tags — the base64 canonical (standard alphabet, padded, as the encoder writes it), the
 * escaped object with exactly one key, `$bytes` or `$escaped` — any other object (such as
 * `{"$bytes":42}`) is plain data. Text without a tag decodes at `JSON.parse` speed.
 */
export function decodeJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SerializationError("$", `stored value is not valid JSON: ${(err as Error).message}`);
  }
  return typeof parsed === "object" && parsed !== null && mayHoldTags(text) ? revive(parsed) : parsed;
}

/**
 * The default codec: strict JSON text, readable with `redis-cli`, with bytes as
 * `{"$bytes":"<base64>"}` (see {@link encodeJson} and {@link decodeJson}).
 */
export const jsonCodec: Codec = { encode: encodeJson, decode: decodeJson };

/**
 * Strict JSON codec. Encodes only what JSON represents exactly — null, booleans, finite
 * numbers, strings, arrays and plain objects — and rejects everything JSON would silently
 * change (undefined, NaN, ±Infinity, BigInt, Date, Map, Set, class instances, functions,
 * symbols, cycles, sparse arrays) with a {@link SerializationError} naming the JSONPath.
 * Nesting is limited to {@link MAX_DEPTH} levels, checked before descending, so hostile
 * input can never overflow the stack. `-0` is kept as `-0`, so it round-trips.
 *
 * Decoding uses `JSON.parse`, which treats `__proto__` / `constructor` keys as plain data.
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

function fail(segments: readonly Segment[], what: string): never {
  const path = pathOf(segments);
  throw new SerializationError(path, `cannot store ${what} at ${path}: JSON cannot represent it exactly`);
}

function kindOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name.length > 0 ? `a ${name} instance` : "a non-plain object";
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
    if (proto !== Object.prototype && proto !== null) fail(this.segments, kindOf(value));
    if (Object.getOwnPropertySymbols(value).length > 0) fail(this.segments, "a symbol-keyed property");
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record)) {
      this.segments.push(key);
      parts.push(`${JSON.stringify(key)}:${this.encode(record[key], depth)}`);
      this.segments.pop();
    }
    return `{${parts.join(",")}}`;
  }
}

/**
 * True when `JSON.stringify` encodes `value` exactly as {@link Encoder} would: only plain data,
 * no `-0`, not too deep. Allocates nothing; anything unusual (including every error case) is
 * left to the Encoder, which finds the path. A cycle exceeds the depth limit, so it ends here too.
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
      for (const key of Object.keys(record)) if (!isPlainJson(record[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Encodes a value (or, with `index`, element `index` of a list) as strict JSON text. */
export function encodeJson(value: unknown, index?: number): string {
  // Common case: plain data, encoded natively. Otherwise the Encoder encodes or names the problem.
  if (isPlainJson(value, index === undefined ? 0 : 1)) return JSON.stringify(value);
  return index === undefined ? new Encoder().encode(value, 0) : new Encoder([index]).encode(value, 1);
}

/** Parses JSON text safely; malformed text raises {@link SerializationError}. */
export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SerializationError("$", `stored value is not valid JSON: ${(err as Error).message}`);
  }
}

/** The default codec: strict JSON text, readable with `redis-cli`. */
export const jsonCodec: Codec = { encode: encodeJson, decode: decodeJson };

/**
 * Turning user values into stored values and back: encoding with the codec (a value, list
 * elements, an `update` record), the `maxValueBytes` check, decoding to fresh copies, and
 * JSON deep equality (for `remove`), bytes included.
 */
import { type Codec, isBytes } from "./codec.js";
import { SerializationError, ValidationError, ValueTooLargeError } from "./errors.js";
import type { ReadValue, StoredValue } from "./store/store.js";
import { checkField, describe, isPlainObject, utf8Length } from "./validate.js";

/** What value conversion needs from the manager. */
export interface ValueContext {
  readonly codec: Codec;
  readonly maxValueBytes: number;
  readonly conversationId: string;
}

/** Throws {@link ValueTooLargeError} when encoded text exceeds `maxValueBytes`. */
export function checkEncodedSize(ctx: ValueContext, field: string, raw: string, what: string): string {
  if (raw.length * 3 > ctx.maxValueBytes) {
    const bytes = utf8Length(raw);
    if (bytes > ctx.maxValueBytes) {
      throw new ValueTooLargeError(
        `${what} for field ${JSON.stringify(field)} of conversation ${JSON.stringify(ctx.conversationId)} ` +
          `encodes to ${bytes} bytes; maxValueBytes is ${ctx.maxValueBytes}`,
      );
    }
  }
  return raw;
}

/**
 * `codec.encode(value, index)`, with a {@link SerializationError} that names the field and
 * conversation besides the path (`$.c of field "b" of conversation "x"`).
 */
export function encodeFor(ctx: ValueContext, field: string, value: unknown, index?: number): string {
  try {
    return ctx.codec.encode(value, index);
  } catch (err) {
    if (!(err instanceof SerializationError) || err.field !== undefined) throw err;
    const where = `of field ${JSON.stringify(field)} of conversation ${JSON.stringify(ctx.conversationId)}`;
    const message = err.message.includes(err.path)
      ? err.message.replace(err.path, `${err.path} ${where}`)
      : `${err.message} (${err.path} ${where})`;
    throw new SerializationError(err.path, message, field);
  }
}

/**
 * Encodes one list element (checked against `maxValueBytes`). With `index`, error paths are
 * relative to the enclosing array (`$[3].x`); without, to the element itself (`$.x`).
 */
export function encodeItem(ctx: ValueContext, field: string, value: unknown, index?: number): string {
  const what = index === undefined ? "list element" : `list element ${index}`;
  return checkEncodedSize(ctx, field, encodeFor(ctx, field, value, index), what);
}

/** Encodes a whole value: an array becomes a list of encoded elements. */
export function encodeValue(ctx: ValueContext, field: string, value: unknown): StoredValue {
  if (Array.isArray(value)) {
    return { kind: "list", items: encodeItems(ctx, field, value) };
  }
  return { kind: "scalar", raw: checkEncodedSize(ctx, field, encodeFor(ctx, field, value), "value") };
}

/** Encodes each element of an array. */
export function encodeItems(ctx: ValueContext, field: string, values: readonly unknown[]): string[] {
  const items: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (!(i in values)) {
      // Let the codec name the hole: encoding the array reports `$[i]`.
      encodeFor(ctx, field, values);
    }
    items[i] = encodeItem(ctx, field, values[i], i);
  }
  return items;
}

/**
 * Checks and encodes the fields of a plain object (for `update`), in its own key order. A Map,
 * an array or a class instance is a ValidationError (their entries are not own keys: they
 * would be silently dropped).
 */
export function encodeRecord(ctx: ValueContext, record: unknown): Array<[string, StoredValue]> {
  if (!isPlainObject(record)) {
    const hint = record instanceof Map ? " (for a Map, pass Object.fromEntries(map))" : "";
    throw new ValidationError(`update takes a plain object of fields, got ${describe(record)}${hint}`);
  }
  const entries: Array<[string, StoredValue]> = [];
  for (const [field, value] of Object.entries(record)) {
    checkField(field);
    entries.push([field, encodeValue(ctx, field, value)]);
  }
  return entries;
}

/** Decodes a stored value to a fresh plain value. */
export function decodeValue(codec: Codec, value: ReadValue): unknown {
  if (value.kind === "scalar") return codec.decode(value.raw);
  if (value.kind === "list") return value.items.map((item) => codec.decode(item));
  // A map field reads as a plain object (Object.fromEntries defines `__proto__` as plain data).
  return Object.fromEntries(value.entries.map(([key, raw]) => [key, codec.decode(raw)]));
}

/**
 * JSON deep equality: object key order ignored, arrays in order, bytes (`Uint8Array`, `Buffer`)
 * byte by byte — equal only to bytes, never to an array or an object of the same numbers.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const bytesA = isBytes(a);
  if (bytesA || isBytes(b)) return bytesA && isBytes(b) && bytesEqual(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  return ka.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k], rb[k]));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

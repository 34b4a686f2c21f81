/**
 * Map fields: a field holding string keys to JSON values, read and written one key at a time in
 * O(1) whatever its size (a Redis hash), and part of the conversation like any field (TTL as a
 * unit, sizes, stats, cleanup; `get`/`items` read it whole, as a plain object). This module
 * checks arguments and encodes values; the store does the rest (store.ts: `mapGet`, `mapSet`,
 * `mapDelete`, `mapKeys`, `mapSize`, `getMany`).
 */
import { ValidationError } from "./errors.js";
import type { ConversationRef, ManyEntry, MemoryStore } from "./store/store.js";
import { wrongTypeError } from "./store/store.js";
import type { MapKeysOptions } from "./types.js";
import { checkField, checkLimit, checkMapKey, checkOptions, describe } from "./validate.js";
import { checkEncodedSize, decodeValue, encodeFor, type ValueContext } from "./values.js";

/** Keys a `mapKeys` page returns by default (about: Redis may return a few more). */
export const DEFAULT_MAP_PAGE = 100;

/** Encodes one map value (checked against `maxValueBytes`). */
export function encodeMapValue(ctx: ValueContext, field: string, value: unknown): string {
  return checkEncodedSize(ctx, field, encodeFor(ctx, field, value), "map value");
}

/** Checks the keys of `mapGetMany`. */
export function checkKeys(keys: unknown): string[] {
  if (!Array.isArray(keys))
    throw new ValidationError(`keys must be an array of map keys, got ${describe(keys)}`);
  return keys.map(checkMapKey);
}

/** Checks `mapKeys` options: the cursor of a previous page ("0" or omitted: the first). */
export function checkKeysPage(options: MapKeysOptions): { cursor: string; limit: number } {
  checkOptions(options, "mapKeys options", ["cursor", "limit"], "{ limit: 100 }");
  const cursor = options.cursor ?? "0";
  if (typeof cursor !== "string" || !/^\d+$/.test(cursor))
    throw new ValidationError(
      `cursor must be the cursor of a previous mapKeys page, got ${describe(cursor)}`,
    );
  return { cursor, limit: checkLimit(options.limit, "limit") ?? DEFAULT_MAP_PAGE };
}

/** A `getMany` entry: a field name, or `{ field, key }` for one key of a map field. */
export type ManySpec = string | { field: string; key: string };

/** Checks `getMany`'s entries. */
export function checkMany(entries: unknown): ManyEntry[] {
  if (!Array.isArray(entries))
    throw new ValidationError(
      `getMany takes an array of fields (or { field, key }), got ${describe(entries)}`,
    );
  return entries.map((entry: unknown) => {
    if (typeof entry === "string") return { field: checkField(entry) };
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      throw new ValidationError(
        `a getMany entry must be a field name or { field, key }, got ${describe(entry)}`,
      );
    checkOptions(entry, "getMany entry", ["field", "key"], '{ field: "m", key: "k" }');
    const { field, key } = entry as { field?: unknown; key?: unknown };
    return { field: checkField(field), key: checkMapKey(key) };
  });
}

/** `getMany`: the values, in order (undefined for a missing field or key). */
export async function readMany(
  store: MemoryStore,
  ref: ConversationRef,
  ctx: ValueContext,
  entries: readonly ManyEntry[],
): Promise<unknown[]> {
  const result = await store.getMany(ref, entries);
  if (!result.ok) {
    const field = (entries[result.wrongType] as ManyEntry).field;
    throw wrongTypeError(ref, field, "a map");
  }
  return result.values.map((v) => {
    if (v === undefined) return undefined;
    return typeof v === "string" ? ctx.codec.decode(v) : decodeValue(ctx.codec, v);
  });
}

/**
 * How `MemoryStore` values cross to and from the Lua scripts: the argument encoding the
 * scripts parse (TTLs, optional numbers, values tagged `s`/`l`, `update` entries, `cas`
 * expectations) and the decoding of their replies (values, field/value pairs).
 */
import type { StoredValue } from "../store.js";

/** A script reply, as node-redis returns it. */
export type Reply = unknown;

/** A TTL in seconds; `-1` for never. */
export function ttlArg(ttl: number | null): string {
  return ttl === null ? "-1" : String(ttl);
}

/** An optional number; `""` when absent. */
export function optionalArg(n: number | undefined): string {
  return n === undefined ? "" : String(n);
}

/** A value: `s raw` or `l item…`. */
export function valueArgs(value: StoredValue): string[] {
  return value.kind === "scalar" ? ["s", value.raw] : ["l", ...value.items];
}

/** `update` entries: per field, `field s|l count item…`. */
export function entryArgs(entries: ReadonlyArray<readonly [string, StoredValue]>): string[] {
  const args: string[] = [];
  for (const [field, value] of entries) {
    const items = value.kind === "scalar" ? [value.raw] : value.items;
    args.push(field, value.kind === "scalar" ? "s" : "l", String(items.length), ...items);
  }
  return args;
}

/** What `cas` expects to find: `n 0` (missing), `s 1 raw` or `l count item…`. */
export function expectedArgs(expected: StoredValue | undefined): string[] {
  return expected === undefined
    ? ["n", "0"]
    : expected.kind === "scalar"
      ? ["s", "1", expected.raw]
      : ["l", String(expected.items.length), ...expected.items];
}

/** A value reply (`[1, raw]` scalar, `[2, items]` list); undefined when the field is missing. */
export function toStored(reply: Reply): StoredValue | undefined {
  if (!Array.isArray(reply)) return undefined;
  return reply[0] === 1
    ? { kind: "scalar", raw: String(reply[1]) }
    : { kind: "list", items: (reply[1] as unknown[]).map(String) };
}

/** A flat `field, value, …` reply as pairs (fields whose value is missing are skipped). */
export function valuePairs(reply: Reply): Array<[string, StoredValue]> {
  const flat = reply as unknown[];
  const out: Array<[string, StoredValue]> = [];
  for (let i = 0; i < flat.length; i += 2) {
    const value = toStored(flat[i + 1]);
    if (value) out.push([String(flat[i]), value]);
  }
  return out;
}

/** A flat `field, number, …` reply as pairs. */
export function numberPairs(reply: Reply): Array<[string, number]> {
  const flat = reply as unknown[];
  const out: Array<[string, number]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([String(flat[i]), Number(flat[i + 1])]);
  return out;
}

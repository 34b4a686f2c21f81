/**
 * How `MemoryStore` values cross to the Lua scripts: the argument encoding the scripts parse
 * (TTLs, optional numbers, values tagged `s`/`l`, `update` entries, `cas` expectations, a
 * message around its timestamp). Replies are decoded per script in `scripts.ts`.
 */
import { createHash } from "node:crypto";
import { messageHalves } from "../../messages.js";
import type { PreparedMessage, StoredValue } from "../store.js";

/** A TTL in seconds; `-1` for never. */
export function ttlArg(ttl: number | null): string {
  return ttl === null ? "-1" : String(ttl);
}

/** An optional number; `""` when absent. */
export function optionalArg(n: number | undefined): string {
  return n === undefined ? "" : String(n);
}

/** `set`: the field TTL (`""`: follow the conversation), then the value: `s raw` or `l item…`. */
export function setArgs(fieldTtl: string, value: StoredValue): string[] {
  return value.kind === "scalar" ? [fieldTtl, "s", value.raw] : [fieldTtl, "l", ...value.items];
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

/**
 * `cas`: what it expects to find — `n 0` (missing), `s 1 raw` or `l count item…` — then the new
 * value, `s raw` or `l item…`.
 */
export function casArgs(expected: StoredValue | undefined, next: StoredValue): string[] {
  const args =
    expected === undefined
      ? ["n", "0"]
      : expected.kind === "scalar"
        ? ["s", "1", expected.raw]
        : ["l", String(expected.items.length), ...expected.items];
  if (next.kind === "scalar") {
    args.push("s", next.raw);
  } else {
    args.push("l");
    for (const item of next.items) args.push(item); // not push(...items): a long list overflows the stack
  }
  return args;
}

/**
 * `addmsg`: the id's JSON (the index key), the message's JSON before and after its timestamp,
 * and `maxMessages` (`""`: no cap).
 */
export function messageArgs(message: PreparedMessage, maxMessages: number | undefined): string[] {
  const [head, tail] = messageHalves(message);
  return [JSON.stringify(message.id), head, tail, optionalArg(maxMessages)];
}

/**
 * `compact`: the SHA-1 (hex) of the elements the caller summarized, each framed as
 * `<UTF-8 bytes>:<element>`, which the script computes over the oldest elements it finds (so
 * only 40 bytes cross, not the compacted messages).
 */
export function elementsDigest(elements: readonly string[]): string {
  const hash = createHash("sha1");
  for (const raw of elements) hash.update(`${Buffer.byteLength(raw, "utf8")}:`).update(raw, "utf8");
  return hash.digest("hex");
}

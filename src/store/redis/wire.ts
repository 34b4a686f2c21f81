/**
 * How `MemoryStore` values cross to the Lua scripts: the argument encoding the scripts parse
 * (TTLs, optional numbers, values tagged `s`/`l`, `update` entries, `cas` expectations, a
 * message around its timestamp). Replies are decoded per script in `scripts.ts`.
 */
import { createHash } from "node:crypto";
import { messageHalves } from "../../messages.js";
import type {
  AddMessageResult,
  BatchResult,
  PreparedMessage,
  StoreBatch,
  StoredValue,
  WriteResult,
} from "../store.js";

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

/** A value as a batch sends it: `s raw`, or `l count item…`. */
function valueArgs(out: string[], value: StoredValue): void {
  if (value.kind === "scalar") {
    out.push("s", value.raw);
    return;
  }
  out.push("l", String(value.items.length));
  for (const item of value.items) out.push(item);
}

function itemArgs(out: string[], items: readonly string[]): void {
  out.push(String(items.length));
  for (const item of items) out.push(item);
}

/** `batch`: operation id, digest, guard and write counts, then each guard and write (batch-3.lua). */
export function batchArgs(batch: StoreBatch): string[] {
  const out = [
    batch.operationId ?? "",
    batch.digest,
    String(batch.guards.length),
    String(batch.writes.length),
  ];
  for (const g of batch.guards) {
    switch (g.kind) {
      case "equals":
        out.push("eq", g.field);
        if (g.value === undefined) out.push("n");
        else valueArgs(out, g.value);
        break;
      case "suffix":
        out.push("sfx", g.field);
        itemArgs(out, g.items);
        break;
      case "slice":
        out.push("slc", g.field, String(g.start));
        itemArgs(out, g.items);
        break;
      case "mapKey":
        out.push("meq", g.field, g.key);
        if (g.raw === undefined) out.push("n");
        else out.push("s", g.raw);
        break;
    }
  }
  for (const w of batch.writes) {
    switch (w.kind) {
      case "set":
        out.push("set", w.field, w.ttl === undefined ? "" : ttlArg(w.ttl));
        valueArgs(out, w.value);
        break;
      case "setMap":
        out.push("set", w.field, "", "m", String(w.entries.length));
        for (const [key, raw] of w.entries) out.push(key, raw);
        break;
      case "delete":
        out.push("del", w.field);
        break;
      case "push":
        out.push("push", w.field, optionalArg(w.maxLength));
        itemArgs(out, w.items);
        break;
      case "splice":
        out.push("splice", w.field, String(w.start), String(w.deleteCount));
        itemArgs(out, w.items);
        break;
      case "message": {
        const [head, tail] = messageHalves(w.message);
        out.push("msg", JSON.stringify(w.message.id), head, tail, optionalArg(w.maxMessages));
        break;
      }
      case "mapSet":
        out.push("mset", w.field, w.key, w.raw);
        break;
      case "mapDelete":
        out.push("mdel", w.field, w.key);
        break;
    }
  }
  return out;
}

/** Decodes `batch`'s reply: what each write returned, as the write's own operation would. */
export function batchResult(reply: unknown, batch: StoreBatch): BatchResult {
  const [status, value] = Array.isArray(reply) ? reply : [];
  if (status === 2) return { kind: "replayed" };
  if (status === 3) return { kind: "reused" };
  if (status === 0) return { kind: "guard", index: Number(value) - 1 };
  if (status === 4) return { kind: "wrongType", index: Number(value) - 1 };
  const replies = Array.isArray(value) ? value : [];
  const results: WriteResult[] = batch.writes.map((w, i) => {
    const r: unknown = replies[i];
    switch (w.kind) {
      case "set":
      case "setMap":
        return undefined;
      case "push":
      case "splice":
        return Number(r);
      case "message": {
        const [added, v] = Array.isArray(r) ? r : [];
        const result: AddMessageResult =
          added === 1 ? { added: true, timestamp: Number(v) } : { added: false, raw: String(v) };
        return result;
      }
      default:
        return r === 1;
    }
  });
  return { kind: "applied", results };
}

/**
 * Items as convmem stores them, and what identifies a history transaction.
 *
 * - {@link normalizeItem}: JSON normalization before an item is stored — properties whose value
 *   is `undefined` are dropped (the SDK produces them, e.g. `providerData: undefined`), an
 *   `undefined` array element becomes `null` (as `JSON.stringify` does), `Uint8Array`s stay
 *   bytes (convmem's codec stores them as `{"$bytes":…}`), null-prototype objects become plain
 *   objects. Anything JSON cannot hold exactly (a `Date`, a `Map`, a cycle, …) is left for the
 *   codec to refuse with a `SerializationError` that names its path.
 * - {@link transactionDigest}: the same for two transactions exactly when they are deep-equal
 *   after normalization (object key order ignored, bytes byte by byte), as `MemorySession`
 *   compares a replayed transaction with the recorded one.
 * - {@link operationKey}: the map key an operation id is recorded under.
 */
import { createHash } from "node:crypto";
import type { AgentInputItem, SessionHistoryTransaction } from "@openai/agents-core";
import { MAX_DEPTH } from "../index.js";

/** A fresh, JSON-normalized copy of `value` (see the module comment). */
export function normalizeValue(value: unknown, depth = 0, ancestors = new Set<object>()): unknown {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  // Past the codec's depth limit or on a cycle, hand the value on as it is: the codec refuses it.
  if (depth > MAX_DEPTH || ancestors.has(value)) return value;
  if (Array.isArray(value)) {
    ancestors.add(value);
    const out = Array.from(value, (x) => (x === undefined ? null : normalizeValue(x, depth + 1, ancestors)));
    ancestors.delete(value);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  ancestors.add(value);
  const out: Record<string, unknown> = {};
  for (const [key, x] of Object.entries(value)) {
    // defineProperty: a "__proto__" key stays an own data property.
    if (x !== undefined)
      Object.defineProperty(out, key, {
        value: normalizeValue(x, depth + 1, ancestors),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  ancestors.delete(value);
  return out;
}

/** {@link normalizeValue} of each item. */
export function normalizeItems(items: readonly AgentInputItem[]): AgentInputItem[] {
  return items.map((item) => normalizeValue(item) as AgentInputItem);
}

/** The transaction with its items normalized. */
export function normalizeTransaction(transaction: SessionHistoryTransaction): SessionHistoryTransaction {
  return transaction.type === "append_items"
    ? { type: "append_items", items: normalizeItems(transaction.items) }
    : {
        type: "replace_suffix",
        expectedSuffix: normalizeItems(transaction.expectedSuffix),
        replacement: normalizeItems(transaction.replacement),
      };
}

/**
 * Canonical text of a normalized value: keys sorted, bytes as `b"<base64>"` (not JSON, so no
 * JSON value has the text of some bytes).
 */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) {
    return `b"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")}"`;
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** sha256 of the canonical text of a normalized transaction. */
export function transactionDigest(transaction: SessionHistoryTransaction): string {
  return `sha256:${createHash("sha256").update(canonical(transaction)).digest("hex")}`;
}

const HASHED = "sha256:";
const MAX_KEY_BYTES = 512;

/**
 * The map key of an operation id: the id itself when it is a valid map key (well-formed, at
 * most 512 UTF-8 bytes), else `sha256:` + the hash of its UTF-16 code units. An id that itself
 * starts with `sha256:` is hashed too, so no two ids share a key.
 */
export function operationKey(operationId: string): string {
  if (
    operationId.isWellFormed() &&
    Buffer.byteLength(operationId, "utf8") <= MAX_KEY_BYTES &&
    !operationId.startsWith(HASHED)
  ) {
    return operationId;
  }
  return HASHED + createHash("sha256").update(Buffer.from(operationId, "utf16le")).digest("hex");
}

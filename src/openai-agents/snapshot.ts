/**
 * Checking a history transaction before anything is written, exactly as the SDK's
 * `MemorySession` does (ported from `@openai/agents-core` 0.20, `memory/memorySession.ts`,
 * MIT): the arguments are read once, every value is snapshotted (plain objects, arrays,
 * `Uint8Array`, JSON scalars and `undefined`; anything else — a `Date`, a `Map`, a cycle, a
 * symbol, a sparse array, a non-enumerable or accessor property, a proxy — is refused), the
 * transaction's shape is checked, and each item must parse as a `ModelItem`. Refusals are the
 * SDK's `UserError`s with the SDK's messages, which never quote the offending value.
 */
import type {
  AgentInputItem,
  SessionHistoryTransaction,
  SessionHistoryTransactionArgs,
} from "@openai/agents-core";
import { protocol, UserError } from "@openai/agents-core";

/** The arguments of `applyHistoryTransaction`, read once and snapshotted. */
export interface SnapshottedTransactionArgs {
  operationId: string;
  transaction: SessionHistoryTransaction;
}

/** Reads `operationId` and `transaction` once each, checks them, and snapshots the transaction. */
export function snapshotHistoryTransactionArgs(
  args: SessionHistoryTransactionArgs,
): SnapshottedTransactionArgs {
  let operationId: unknown;
  let transaction: unknown;
  try {
    if (!args || typeof args !== "object") throw new Error("Missing transaction arguments.");
    operationId = Reflect.get(args, "operationId");
    transaction = Reflect.get(args, "transaction");
  } catch {
    throw new UserError("Session history transaction arguments are invalid.");
  }
  if (typeof operationId !== "string" || !operationId.trim()) {
    throw new UserError("Session history transaction operationId must be a non-empty string.");
  }
  if (!transaction || typeof transaction !== "object") {
    throw new UserError("Session history transaction must be an object.");
  }
  return { operationId, transaction: snapshotHistoryTransaction(transaction) };
}

function snapshotHistoryTransaction(transaction: object): SessionHistoryTransaction {
  let snapshot: unknown;
  try {
    snapshot = snapshotSupportedValue(transaction);
    structuredClone(transaction);
  } catch {
    throw new UserError("Session history transaction items contain invalid or unsupported data.");
  }
  if (!snapshot || typeof snapshot !== "object") {
    throw new UserError("Session history transaction must be an object.");
  }
  const record = snapshot as Record<string, unknown>;
  const has = (key: string) => Object.hasOwn(record, key);
  if (record.type === "append_items") {
    if (Object.keys(record).length !== 2 || !has("type") || !has("items") || !Array.isArray(record.items)) {
      throw new UserError("Session history append transaction fields are invalid.");
    }
    return { type: "append_items", items: snapshotItems(record.items) };
  }
  if (record.type !== "replace_suffix") {
    throw new UserError("Unsupported session history transaction type.");
  }
  if (
    Object.keys(record).length !== 3 ||
    !has("type") ||
    !has("expectedSuffix") ||
    !has("replacement") ||
    !Array.isArray(record.expectedSuffix) ||
    !Array.isArray(record.replacement)
  ) {
    throw new UserError("Session history suffix transaction fields are invalid.");
  }
  return {
    type: "replace_suffix",
    expectedSuffix: snapshotItems(record.expectedSuffix),
    replacement: snapshotItems(record.replacement),
  };
}

/** Each element must be a `ModelItem` (the SDK's schema of a history item). */
function snapshotItems(items: unknown[]): AgentInputItem[] {
  for (const item of items) {
    if (!protocol.ModelItem.safeParse(item).success) {
      throw new UserError("Session history transaction items contain invalid or unsupported data.");
    }
  }
  return items as AgentInputItem[];
}

/** A detached copy of a value the SDK can compare deterministically; throws on anything else. */
function snapshotSupportedValue(value: unknown, ancestors = new WeakSet<object>()): unknown {
  if (
    value === null ||
    value === undefined ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "number"
  ) {
    return value;
  }
  if (typeof value !== "object") throw new Error("Unsupported session history value.");
  if (value instanceof Uint8Array) {
    const keys = Reflect.ownKeys(value);
    if (
      keys.length !== value.length ||
      keys.some((key) => typeof key !== "string" || !isArrayIndexForLength(key, value.length))
    ) {
      throw new Error("Unsupported session history binary property.");
    }
    return new Uint8Array(value);
  }
  if (ancestors.has(value)) throw new Error("Cyclic session history value.");
  ancestors.add(value);
  try {
    return Array.isArray(value) ? snapshotArray(value, ancestors) : snapshotObject(value, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function snapshotArray(value: unknown[], ancestors: WeakSet<object>): unknown[] {
  const lengthDescriptor = Object.getOwnPropertyDescriptor(value, "length");
  if (!lengthDescriptor || !("value" in lengthDescriptor))
    throw new Error("Unsupported session history array.");
  const length: unknown = lengthDescriptor.value;
  const keys = Reflect.ownKeys(value);
  if (
    typeof length !== "number" ||
    !Number.isSafeInteger(length) ||
    length < 0 ||
    keys.length !== length + 1 ||
    keys.some((key) => typeof key !== "string" || (key !== "length" && !isArrayIndexForLength(key, length)))
  ) {
    throw new Error("Unsupported session history array.");
  }
  const snapshot: unknown[] = new Array(length);
  for (let index = 0; index < length; index++) {
    const descriptor = Object.getOwnPropertyDescriptor(value, String(index));
    if (!descriptor?.enumerable || !("value" in descriptor)) {
      throw new Error("Unsupported session history array item.");
    }
    snapshot[index] = snapshotSupportedValue(descriptor.value, ancestors);
  }
  return snapshot;
}

function snapshotObject(value: object, ancestors: WeakSet<object>): Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null)
    throw new Error("Unsupported session history object.");
  const snapshot: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== "string") throw new Error("Unsupported session history property.");
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor?.enumerable || !("value" in descriptor)) {
      throw new Error("Unsupported session history property.");
    }
    Object.defineProperty(snapshot, key, {
      configurable: true,
      enumerable: true,
      value: snapshotSupportedValue(descriptor.value, ancestors),
      writable: true,
    });
  }
  return snapshot;
}

function isArrayIndexForLength(key: string, length: number): boolean {
  if (!/^(0|[1-9]\d*)$/.test(key)) return false;
  const index = Number(key);
  return Number.isSafeInteger(index) && index >= 0 && index < length;
}

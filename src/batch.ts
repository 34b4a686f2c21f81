/**
 * Atomic batches: several writes on one conversation as one atomic step and one round trip, all
 * or none; optionally guarded (conditions checked in the same step) and idempotent (an
 * `operationId` recorded in the same step). This module checks and encodes a batch and turns the
 * store's answer into results or typed errors; the store applies it (store.ts: `batch`).
 *
 * @example
 * ```ts
 * await memory.batch(
 *   [
 *     { op: "set", field: "status", value: "done" },
 *     { op: "append", field: "log", value: { event: "closed" } },
 *     { op: "addMessage", role: "assistant", content: "Bye!", id: "msg-9:out" },
 *   ],
 *   { guards: [{ field: "status", equals: "open" }], operationId: "close-4711" },
 * );
 * ```
 */
import { createHash } from "node:crypto";
import { GuardFailedError, OperationIdReusedError, ValidationError } from "./errors.js";
import { MESSAGES_FIELD } from "./keys.js";
import { encodeMapValue } from "./maps.js";
import { type Message, prepareMessage, storedMessage } from "./messages.js";
import type {
  AddMessageResult,
  BatchResult,
  ConversationRef,
  StoreBatch,
  StoreGuard,
  StoreWrite,
} from "./store/store.js";
import { wrongTypeError } from "./store/store.js";
import {
  checkField,
  checkInteger,
  checkLimit,
  checkMapKey,
  checkOptions,
  checkTtl,
  describe,
  isPlainObject,
} from "./validate.js";
import { encodeItem, encodeItems, encodeValue, type ValueContext } from "./values.js";

/** One write of a {@link BatchWrite} list; each behaves as the method of the same name. */
export type BatchWrite =
  /** `set(field, value, { ttl })` */
  | { op: "set"; field: string; value: unknown; ttl?: number | null }
  /** `delete(field)` → boolean */
  | { op: "delete"; field: string }
  /** `append(field, value, { maxLength })` → new length */
  | { op: "append"; field: string; value: unknown; maxLength?: number }
  /** `extend(field, values, { maxLength })` → new length */
  | { op: "extend"; field: string; values: unknown[]; maxLength?: number }
  /**
   * `Array.prototype.splice(start, deleteCount, ...items)` on a list field (created when
   * missing; negative `start` counts from the end; both clamped) → new length. Cost: the
   * distance of `start` from the end, plus the items.
   */
  | { op: "splice"; field: string; start: number; deleteCount: number; items?: unknown[] }
  /** `addMessage(role, content, metadata, { id, maxMessages })` → the Message */
  | {
      op: "addMessage";
      role: string;
      content: string;
      metadata?: Record<string, unknown>;
      id?: string;
      maxMessages?: number;
    }
  /** `mapSet(field, key, value)` → true when the key is new */
  | { op: "mapSet"; field: string; key: string; value: unknown }
  /** `mapDelete(field, key)` → boolean */
  | { op: "mapDelete"; field: string; key: string }
  /** Replaces the field with a map field holding `entries` (a plain object) → undefined */
  | { op: "setMap"; field: string; entries: Record<string, unknown> };

/**
 * A condition of a batch, checked in the same atomic step as its writes. Values compare as
 * stored: the JSON text the value encodes to (so an object read from the store and passed back
 * matches; object key order counts).
 */
export type BatchGuard =
  /** The field holds this value (an array: a list with these elements). */
  | { field: string; equals: unknown }
  /** The field does not exist (or has expired). */
  | { field: string; absent: true }
  /** The list field ends with these elements (a missing field is an empty list). */
  | { field: string; endsWith: unknown[] }
  /** The list field holds these elements from index `at` on (negative: from the end). */
  | { field: string; at: number; items: unknown[] }
  /** Key `key` of the map field holds this value. */
  | { field: string; key: string; equals: unknown }
  /** Key `key` of the map field is not set. */
  | { field: string; key: string; absent: true };

/** Options of `batch`. */
export interface BatchOptions {
  /** Conditions checked first, in the same step; if one fails, `GuardFailedError` and nothing is written. */
  guards?: BatchGuard[];
  /**
   * Makes the batch idempotent: recorded in the same step and remembered while the
   * conversation lives. The same batch again succeeds with `replayed: true` and changes
   * nothing, from any process; a different batch under the same id is an
   * `OperationIdReusedError`. Needs an explicit `id` on every `addMessage` write.
   */
  operationId?: string;
}

/** What `batch` returns. */
export type BatchOutcome<R extends string = string> =
  /** Applied now: one result per write, as its method returns it. */
  | { replayed: false; results: Array<undefined | boolean | number | Message<R>> }
  /** `operationId` was applied before with this same batch: nothing written now. */
  | { replayed: true; results: undefined };

const WRITE_KEYS: Record<BatchWrite["op"], readonly string[]> = {
  set: ["op", "field", "value", "ttl"],
  delete: ["op", "field"],
  append: ["op", "field", "value", "maxLength"],
  extend: ["op", "field", "values", "maxLength"],
  splice: ["op", "field", "start", "deleteCount", "items"],
  addMessage: ["op", "role", "content", "metadata", "id", "maxMessages"],
  mapSet: ["op", "field", "key", "value"],
  mapDelete: ["op", "field", "key"],
  setMap: ["op", "field", "entries"],
};

/** A batch checked and encoded for the store, and how to read its answer. */
export interface PreparedBatch {
  readonly batch: StoreBatch;
  /** The writes as given (for results and error messages). */
  readonly writes: readonly BatchWrite[];
  readonly guards: readonly BatchGuard[];
}

function encodeWrite(ctx: ValueContext, w: BatchWrite, index: number, idempotent: boolean): StoreWrite {
  if (!isPlainObject(w))
    throw new ValidationError(`batch write ${index} must be an object, got ${describe(w)}`);
  const op = (w as { op?: unknown }).op;
  if (typeof op !== "string" || !Object.hasOwn(WRITE_KEYS, op))
    throw new ValidationError(
      `batch write ${index}: op must be one of ${Object.keys(WRITE_KEYS).join(", ")}, got ${describe(op)}`,
    );
  checkOptions(
    w,
    `batch write ${index} (${op})`,
    WRITE_KEYS[op as BatchWrite["op"]] as readonly string[],
    "{ op, field, … }",
  );
  switch (w.op) {
    case "set": {
      const field = checkField(w.field);
      const ttl = w.ttl === undefined ? undefined : checkTtl(w.ttl);
      return { kind: "set", field, value: encodeValue(ctx, field, w.value), ttl };
    }
    case "delete":
      return { kind: "delete", field: checkField(w.field) };
    case "append": {
      const field = checkField(w.field);
      return {
        kind: "push",
        field,
        items: [encodeItem(ctx, field, w.value)],
        maxLength: checkLimit(w.maxLength, "maxLength"),
      };
    }
    case "extend": {
      const field = checkField(w.field);
      if (!Array.isArray(w.values))
        throw new ValidationError(`batch write ${index}: values must be an array, got ${describe(w.values)}`);
      return {
        kind: "push",
        field,
        items: encodeItems(ctx, field, w.values),
        maxLength: checkLimit(w.maxLength, "maxLength"),
      };
    }
    case "splice": {
      const field = checkField(w.field);
      const items = w.items ?? [];
      if (!Array.isArray(items))
        throw new ValidationError(`batch write ${index}: items must be an array, got ${describe(items)}`);
      const deleteCount = checkInteger(w.deleteCount, "deleteCount");
      if (deleteCount < 0) throw new ValidationError(`deleteCount must not be negative, got ${deleteCount}`);
      return {
        kind: "splice",
        field,
        start: checkInteger(w.start, "start"),
        deleteCount,
        items: encodeItems(ctx, field, items),
      };
    }
    case "addMessage": {
      if (idempotent && w.id === undefined)
        throw new ValidationError(
          `batch write ${index}: with an operationId, addMessage needs an explicit id (a replay must be the same batch)`,
        );
      const options: { id?: string; maxMessages?: number } = {};
      if (w.id !== undefined) options.id = w.id;
      if (w.maxMessages !== undefined) options.maxMessages = w.maxMessages;
      const message = prepareMessage(ctx, w.role, w.content, w.metadata ?? {}, options);
      return { kind: "message", message: message.prepared, maxMessages: message.maxMessages };
    }
    case "mapSet": {
      const field = checkField(w.field);
      return { kind: "mapSet", field, key: checkMapKey(w.key), raw: encodeMapValue(ctx, field, w.value) };
    }
    case "mapDelete":
      return { kind: "mapDelete", field: checkField(w.field), key: checkMapKey(w.key) };
    case "setMap": {
      const field = checkField(w.field);
      if (!isPlainObject(w.entries))
        throw new ValidationError(
          `batch write ${index}: entries must be a plain object, got ${describe(w.entries)}`,
        );
      const entries = Object.entries(w.entries).map(
        ([key, value]) => [checkMapKey(key), encodeMapValue(ctx, field, value)] as const,
      );
      return { kind: "setMap", field, entries };
    }
  }
}

function encodeGuard(ctx: ValueContext, g: BatchGuard, index: number): StoreGuard {
  if (!isPlainObject(g)) throw new ValidationError(`guard ${index} must be an object, got ${describe(g)}`);
  const field = checkField((g as { field?: unknown }).field);
  const has = (k: string) => Object.hasOwn(g, k);
  const shape = (keys: readonly string[]) => checkOptions(g, `guard ${index}`, keys, "{ field, equals }");
  const absent = (g as { absent?: unknown }).absent;
  if (has("absent") && absent !== true)
    throw new ValidationError(`guard ${index}: absent must be true, got ${describe(absent)}`);
  if (has("key")) {
    shape(has("absent") ? ["field", "key", "absent"] : ["field", "key", "equals"]);
    const key = checkMapKey((g as { key?: unknown }).key);
    if (!has("absent") && !has("equals"))
      throw new ValidationError(`guard ${index}: give equals or absent: true`);
    const raw = has("absent") ? undefined : encodeMapValue(ctx, field, (g as { equals: unknown }).equals);
    return { kind: "mapKey", field, key, raw };
  }
  if (has("absent")) {
    shape(["field", "absent"]);
    return { kind: "equals", field, value: undefined };
  }
  if (has("equals")) {
    shape(["field", "equals"]);
    return { kind: "equals", field, value: encodeValue(ctx, field, (g as { equals: unknown }).equals) };
  }
  if (has("endsWith")) {
    shape(["field", "endsWith"]);
    const items = (g as { endsWith: unknown }).endsWith;
    if (!Array.isArray(items))
      throw new ValidationError(`guard ${index}: endsWith must be an array, got ${describe(items)}`);
    return { kind: "suffix", field, items: encodeItems(ctx, field, items) };
  }
  if (has("at")) {
    shape(["field", "at", "items"]);
    const items = (g as { items?: unknown }).items;
    if (!Array.isArray(items))
      throw new ValidationError(`guard ${index}: items must be an array, got ${describe(items)}`);
    return {
      kind: "slice",
      field,
      start: checkInteger((g as { at: unknown }).at, "at"),
      items: encodeItems(ctx, field, items),
    };
  }
  throw new ValidationError(
    `guard ${index} must say what it checks: equals, absent, endsWith, or at + items`,
  );
}

/** What the batch is, for its operation id: the same batch always has the same digest. */
function digestOf(guards: readonly StoreGuard[], writes: readonly StoreWrite[]): string {
  return createHash("sha1").update(JSON.stringify({ guards, writes })).digest("hex");
}

/** Checks and encodes a batch (before any I/O). */
export function prepareBatch(ctx: ValueContext, writes: unknown, options: BatchOptions): PreparedBatch {
  if (!Array.isArray(writes))
    throw new ValidationError(`batch takes an array of writes, got ${describe(writes)}`);
  if (writes.length === 0) throw new ValidationError("batch needs at least one write");
  checkOptions(options, "batch options", ["guards", "operationId"], '{ operationId: "op-1" }');
  const guards = options.guards ?? [];
  if (!Array.isArray(guards)) throw new ValidationError(`guards must be an array, got ${describe(guards)}`);
  const { operationId } = options;
  if (
    operationId !== undefined &&
    (typeof operationId !== "string" || operationId.length === 0 || !operationId.isWellFormed())
  )
    throw new ValidationError(`operationId must be a non-empty string, got ${describe(operationId)}`);
  const idempotent = operationId !== undefined;
  const storeWrites = writes.map((w: BatchWrite, i) => encodeWrite(ctx, w, i, idempotent));
  const storeGuards = guards.map((g: BatchGuard, i) => encodeGuard(ctx, g, i));
  return {
    batch: {
      guards: storeGuards,
      writes: storeWrites,
      operationId,
      // Only an operation id needs it (and hashing a large batch is not free).
      digest: idempotent ? digestOf(storeGuards, storeWrites) : "",
    },
    writes: writes as BatchWrite[],
    guards,
  };
}

/** The field write `index` of a batch found of the wrong kind, and the kind it needed. */
export function wrongTypeTarget(prepared: PreparedBatch, index: number): { field: string; expected: string } {
  const w = prepared.batch.writes[index] as StoreWrite;
  const field = w.kind === "message" ? MESSAGES_FIELD : w.field;
  return { field, expected: w.kind === "mapSet" || w.kind === "mapDelete" ? "a map" : "a list" };
}

/** The outcome of a prepared batch from the store's answer, or the typed error it stands for. */
export function batchOutcome(
  ref: ConversationRef,
  prepared: PreparedBatch,
  result: BatchResult,
): BatchOutcome {
  const where = `conversation ${JSON.stringify(ref.id)}`;
  switch (result.kind) {
    case "replayed":
      return { replayed: true, results: undefined };
    case "reused": {
      const id = prepared.batch.operationId as string;
      throw new OperationIdReusedError(
        `operationId ${JSON.stringify(id)} was already used on ${where} for a different batch: nothing written`,
        id,
      );
    }
    case "guard":
      throw new GuardFailedError(
        `guard ${result.index} of the batch on ${where} did not hold (${JSON.stringify(prepared.guards[result.index])}): nothing written`,
        result.index,
        prepared.guards[result.index],
      );
    case "wrongType": {
      const { field, expected } = wrongTypeTarget(prepared, result.index);
      throw wrongTypeError(ref, field, expected);
    }
    case "applied":
      return {
        replayed: false,
        results: result.results.map((r, i) => {
          const w = prepared.batch.writes[i] as StoreWrite;
          if (w.kind !== "message") return r as undefined | boolean | number;
          return storedMessage(r as AddMessageResult, { prepared: w.message, maxMessages: w.maxMessages });
        }),
      };
  }
}

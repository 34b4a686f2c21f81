/**
 * Small helpers the contract suite uses, exported from `convmem/testing` for tests of your
 * own (an `extend` callback, say). Runner-agnostic: they throw `node:assert` errors, which
 * node:test, vitest and jest all report as failures.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  ClosedError,
  ConflictError,
  ConvmemError,
  FieldNotFoundError,
  GuardFailedError,
  ListIndexError,
  MessageNotFoundError,
  OperationIdReusedError,
  SerializationError,
  StoreError,
  StoreUnavailableError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "../index.js";

/** A conversation id no other test uses. */
export function freshId(label = "conv"): string {
  return `${label}-${randomUUID()}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets a deliberately invalid value through the type checker. */
export function bad(value: unknown): never {
  return value as never;
}

/** A `ConvmemError` subclass, e.g. `FieldNotFoundError`. */
export type ConvmemErrorClass = abstract new (...args: never[]) => ConvmemError;

const CODES = new Map<ConvmemErrorClass, string>([
  [FieldNotFoundError, "ERR_FIELD_NOT_FOUND"],
  [ListIndexError, "ERR_LIST_INDEX"],
  [WrongTypeError, "ERR_WRONG_TYPE"],
  [SerializationError, "ERR_SERIALIZATION"],
  [ValueTooLargeError, "ERR_VALUE_TOO_LARGE"],
  [ValidationError, "ERR_VALIDATION"],
  [StoreUnavailableError, "ERR_STORE_UNAVAILABLE"],
  [StoreError, "ERR_STORE"],
  [ConflictError, "ERR_CONFLICT"],
  [ClosedError, "ERR_CLOSED"],
  [MessageNotFoundError, "ERR_MESSAGE_NOT_FOUND"],
  [GuardFailedError, "ERR_GUARD_FAILED"],
  [OperationIdReusedError, "ERR_OPERATION_ID_REUSED"],
]);

/** Asserts `err` is a `cls` (and a `ConvmemError`) carrying the documented `code`. */
export function assertConvmemError(err: unknown, cls: ConvmemErrorClass, messageIncludes?: string): void {
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${describeError(err)}`);
  assert.ok(err instanceof ConvmemError, `${cls.name} must extend ConvmemError`);
  assert.ok(err instanceof Error);
  assert.equal(err.code, CODES.get(cls), `${cls.name}.code`);
  if (messageIncludes !== undefined) {
    assert.ok(
      err.message.includes(messageIncludes),
      `expected the message to mention ${JSON.stringify(messageIncludes)}, got ${JSON.stringify(err.message)}`,
    );
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.constructor.name}: ${err.message}`;
  return `non-error ${String(err)}`;
}

/**
 * Asserts that the promise rejects with `cls`. The promise is passed directly (not a
 * thunk), so a method that throws synchronously instead of rejecting fails the test:
 * every `ConversationMemory` method is async.
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  cls: ConvmemErrorClass,
  messageIncludes?: string,
): Promise<void> {
  let settled = false;
  try {
    await promise;
    settled = true;
  } catch (err) {
    assertConvmemError(err, cls, messageIncludes);
  }
  assert.ok(!settled, `expected a rejection with ${cls.name}, but the call resolved`);
}

/** Asserts that `fn` throws `cls` synchronously. */
export function throwsWith(fn: () => unknown, cls: ConvmemErrorClass, messageIncludes?: string): void {
  let returned = false;
  try {
    fn();
    returned = true;
  } catch (err) {
    assertConvmemError(err, cls, messageIncludes);
  }
  assert.ok(!returned, `expected ${cls.name} to be thrown synchronously`);
}

function sortedByField<T extends readonly [string, unknown]>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** `keys()` / `items()` order is unspecified: compare sorted. */
export function sortedKeys(keys: readonly string[]): string[] {
  return [...keys].sort();
}

export function sortedItems(
  items: ReadonlyArray<readonly [string, unknown]>,
): Array<readonly [string, unknown]> {
  return sortedByField(items);
}

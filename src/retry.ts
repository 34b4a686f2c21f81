/**
 * The optimistic retry loops behind `modify` and `remove`: read, decide, then write only if
 * nothing changed meanwhile, else try again after a short random pause, giving up with
 * {@link ConflictError}. Each runs exclusively on its conversation within its manager. When an
 * {@link AttemptCount} is given (someone listens), it counts the attempts, and each store call
 * runs in it (call-scope.ts) so its Redis commands and records count toward the operation.
 */
import { within } from "./call-scope.js";
import { recordingStore } from "./content.js";
import { ConflictError } from "./errors.js";
import type { AttemptCount } from "./events.js";
import type { ConversationRef, MemoryStore, ReadValue, StoredValue } from "./store/store.js";
import { describeStored, wrongTypeError } from "./store/store.js";
import { checkLimit } from "./validate.js";
import { decodeValue, encodeFor, encodeValue, jsonEqual, type ValueContext } from "./values.js";

/** Options of {@link ConversationMemory.modify}. */
export interface ModifyOptions<T> {
  /** Value `fn` receives when the field is missing. */
  fallback?: T;
  /** Attempts before {@link ConflictError}. @default 100 */
  maxRetries?: number;
}

/** Attempts before {@link ConflictError}: `remove` always, `modify` unless given `maxRetries`. */
const DEFAULT_MODIFY_RETRIES = 100;

/** What a loop works on: one conversation in one store, and its value encoding. */
export interface ConversationTarget {
  readonly store: MemoryStore;
  readonly ref: ConversationRef;
  readonly values: ValueContext;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A random pause before the attempt after `attempt`, growing with it (capped at 50 ms). */
function pause(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(50, 2 ** attempt));
}

/**
 * Read-modify-write of one field by compare-and-set. The caller runs it exclusively on its
 * conversation (call-order.ts), so calls of this manager never contend with it; only other
 * processes can make an attempt fail.
 */
export async function modifyField<T>(
  target: ConversationTarget,
  field: string,
  fn: (current: T | undefined) => T | Promise<T>,
  options: ModifyOptions<T>,
  attempts?: AttemptCount,
): Promise<T> {
  const maxRetries = checkLimit(options.maxRetries, "maxRetries") ?? DEFAULT_MODIFY_RETRIES;
  return modifyLoop(target, field, fn, options, maxRetries, attempts);
}

/** `modify` replaces whole values: a map field is changed key by key (`mapSet`), never by it. */
function notMap(ref: ConversationRef, field: string, value: ReadValue | undefined): StoredValue | undefined {
  if (value?.kind !== "map") return value;
  throw wrongTypeError(
    ref,
    field,
    "a value or a list (use mapSet/mapDelete on a map)",
    describeStored(value),
  );
}

async function modifyLoop<T>(
  target: ConversationTarget,
  field: string,
  fn: (current: T | undefined) => T | Promise<T>,
  options: ModifyOptions<T>,
  maxRetries: number,
  attempts: AttemptCount | undefined,
): Promise<T> {
  const { ref, values } = target;
  const store = storeFor(target, attempts);
  const fallback = options.fallback === undefined ? undefined : encodeValue(values, field, options.fallback);
  let current = notMap(ref, field, await within(attempts, () => store.get(ref, field)));
  for (let attempt = 1; attempt <= maxRetries; attempt++) {
    if (attempts !== undefined) attempts.retries = attempt - 1;
    const input = current ?? fallback;
    const next = encodeValue(
      values,
      field,
      await fn(input === undefined ? undefined : (decodeValue(values.codec, input) as T)),
    );
    const result = await within(attempts, () => store.compareAndSet(ref, field, current, next));
    if (result.ok) return decodeValue(values.codec, next) as T;
    current = notMap(ref, field, result.current);
    if (attempt > 2) await pause(attempt);
  }
  throw new ConflictError(
    `modify of field ${JSON.stringify(field)} in conversation ${JSON.stringify(ref.id)} ` +
      `gave up after ${maxRetries} attempts under contention`,
  );
}

/**
 * Removes the first list element deep-equal to `value`: reads the list, then removes that
 * element only if the list is unchanged, retrying otherwise. True if one was removed.
 */
export async function removeFirst(
  target: ConversationTarget,
  field: string,
  value: unknown,
  attempts?: AttemptCount,
): Promise<boolean> {
  const { ref } = target;
  const store = storeFor(target, attempts);
  const { codec } = target.values;
  // Encoded only to compare (no size limit: a value too large is simply not in the list).
  const encoded = encodeFor(target.values, field, value);
  for (let attempt = 1; attempt <= DEFAULT_MODIFY_RETRIES; attempt++) {
    if (attempts !== undefined) attempts.retries = attempt - 1;
    const items = await within(attempts, () => store.range(ref, field, undefined, undefined));
    const index = items.findIndex((raw) => raw === encoded || jsonEqual(codec.decode(raw), value));
    if (index < 0) return false;
    const expected = items[index] as string;
    if (await within(attempts, () => store.removeAt(ref, field, index, expected, items.length))) return true;
    if (attempt > 2) await pause(attempt);
  }
  throw new ConflictError(`remove from field ${JSON.stringify(field)} gave up under contention`);
}

/** The target's store, or its recording view while a listener asked for content (content.ts). */
function storeFor(target: ConversationTarget, attempts: AttemptCount | undefined): MemoryStore {
  return attempts?.records === undefined ? target.store : recordingStore(target.store);
}

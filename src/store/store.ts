/**
 * `MemoryStore` — the one seam between the memory API and a backend.
 *
 * The API layer validates arguments and encodes values; a store receives encoded JSON text
 * only and never decodes user values (except the in-memory store's deep-copy-free storage,
 * which keeps the same text). Every method is one atomic step on the backend.
 *
 * TTL model shared by every store: a conversation has one TTL (its `setTtl` value, else the
 * caller's `defaultTtl`); every write renews it for all fields that follow it, so they expire
 * together. A field written with its own `ttl` is pinned to that expiry until a later write
 * of that field without `ttl`. Expiry observed through these methods is exact to the
 * millisecond of the store's clock.
 */
import { ListIndexError, ValidationError, WrongTypeError } from "../errors.js";
import type { ConversationKeys } from "../keys.js";

/** How a conversation is addressed: its id and the keys derived from it and the key prefix. */
export interface ConversationRef {
  readonly id: string;
  readonly keys: ConversationKeys;
}

/** An encoded field value: one JSON text, or a list of JSON texts (one per element). */
export type StoredValue =
  | { readonly kind: "scalar"; readonly raw: string }
  | { readonly kind: "list"; readonly items: readonly string[] };

/** Per-write policy from the manager. */
export interface WritePolicy {
  /** Conversation TTL in seconds when the conversation has no `setTtl` value; null = never. */
  readonly defaultTtl: number | null;
}

/** Field TTL for `set`: undefined follows the conversation; null pins "never"; N pins N seconds. */
export type FieldTtl = number | null | undefined;

/** Result of {@link MemoryStore.compareAndSet}. */
export type CasResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly current: StoredValue | undefined };

/** A message prepared by the API layer; the store adds the server timestamp between head and tail. */
export interface PreparedMessage {
  /** `JSON.stringify(id)` — the idempotency key. */
  readonly idJson: string;
  /** JSON text up to and including `"timestamp":`. */
  readonly head: string;
  /** JSON text after the timestamp number. */
  readonly tail: string;
}

/** Result of {@link MemoryStore.addMessage}. */
export type AddMessageResult =
  | { readonly added: true; readonly timestamp: number }
  | { readonly added: false; readonly raw: string };

/** One conversation as the registry reports it. */
export interface ConversationInfo {
  readonly conversationId: string;
  /** Live fields. */
  readonly totalFields: number;
  /** UTF-8 bytes of the live fields' encoded values. */
  readonly totalSizeBytes: number;
  /** Time of the last write, ms since the epoch (store clock). */
  readonly lastActivity: number;
}

/** A page of the registry; `cursor` undefined when the walk is complete. */
export interface RegistryPage {
  readonly conversations: ConversationInfo[];
  readonly cursor: number | undefined;
}

/** Progress of one cleanup step; `cursor` undefined when the walk is complete. */
export interface SweepStep {
  readonly scanned: number;
  readonly removed: number;
  readonly cursor: number | undefined;
}

/** The backend interface. Implemented by `RedisStore` and `InMemoryStore`. */
export interface MemoryStore {
  get(ref: ConversationRef, field: string): Promise<StoredValue | undefined>;
  has(ref: ConversationRef, field: string): Promise<boolean>;
  set(
    ref: ConversationRef,
    field: string,
    value: StoredValue,
    ttl: FieldTtl,
    policy: WritePolicy,
  ): Promise<void>;
  /** Writes all entries atomically (all follow the conversation TTL). */
  update(
    ref: ConversationRef,
    entries: ReadonlyArray<readonly [string, StoredValue]>,
    policy: WritePolicy,
  ): Promise<void>;
  /** Returns true if the field existed. */
  delete(ref: ConversationRef, field: string, policy: WritePolicy): Promise<boolean>;
  keys(ref: ConversationRef): Promise<string[]>;
  items(ref: ConversationRef): Promise<Array<[string, StoredValue]>>;
  /** Adds `by` to an integer field (missing = 0); throws WrongTypeError / ValidationError (range). */
  incr(ref: ConversationRef, field: string, by: number, policy: WritePolicy): Promise<number>;
  /** Writes `next` only if the field still holds `expected` (undefined = missing). */
  compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
    policy: WritePolicy,
  ): Promise<CasResult>;
  /** Appends elements (creating the list); `maxLength` keeps the newest. Returns the new length. */
  push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
    policy: WritePolicy,
  ): Promise<number>;
  /** Removes and returns the element at a Python index; throws ListIndexError / WrongTypeError. */
  pop(ref: ConversationRef, field: string, index: number, policy: WritePolicy): Promise<string>;
  /** Python `list.insert`. Returns the new length. */
  insert(
    ref: ConversationRef,
    field: string,
    index: number,
    item: string,
    policy: WritePolicy,
  ): Promise<number>;
  /**
   * Removes the element at `index` if the list still has `length` elements and that element
   * is still `expected`; false means the list changed meanwhile.
   */
  removeAt(
    ref: ConversationRef,
    field: string,
    index: number,
    expected: string,
    length: number,
    policy: WritePolicy,
  ): Promise<boolean>;
  /** `Array.prototype.slice(start, end)` of a list field; missing = []. */
  range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]>;
  length(ref: ConversationRef, field: string): Promise<number>;
  addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
    policy: WritePolicy,
  ): Promise<AddMessageResult>;
  /** Sets the conversation TTL (null = never) and applies it now to every field. */
  setTtl(ref: ConversationRef, ttl: number | null, policy: WritePolicy): Promise<void>;
  /** Milliseconds until the conversation's last live field expires; null = never; undefined = no field. */
  getTtl(ref: ConversationRef): Promise<number | null | undefined>;
  /** Per live field, the UTF-8 bytes of its encoded value (a list: sum of its elements). */
  sizes(ref: ConversationRef): Promise<Array<[string, number]>>;
  /** Deletes every field; keeps the conversation's TTL setting. Returns the number of live fields removed. */
  clear(ref: ConversationRef): Promise<number>;
  /** Deletes the conversation entirely, settings included. Returns the number of live fields removed. */
  deleteConversation(ref: ConversationRef): Promise<number>;
  /** The store's clock, ms since the epoch (the Redis server's `TIME`). */
  serverTime(): Promise<number>;
  /**
   * A page of the live conversations under `keyPrefix`, from `cursor` (start with 0), about
   * `limit` at a time. Conversations the store already expired are left out.
   */
  listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage>;
  /**
   * One bounded cleanup step under `keyPrefix` from `cursor` (start with 0): deletes the
   * conversations whose last write is before `cutoff` (ms, store clock) and forgets those the
   * store already expired. Re-checks each conversation's own last write before deleting.
   * Never scans the keyspace; work grows with the conversations removed. With `dryRun`,
   * changes nothing and counts what would be removed.
   */
  sweepExpired(keyPrefix: string, cutoff: number, cursor: number, dryRun: boolean): Promise<SweepStep>;
  /** Releases what the store opened (never a client it was given). */
  close(): Promise<void>;
}

function where(ref: ConversationRef, field: string): string {
  return `field ${JSON.stringify(field)} of conversation ${JSON.stringify(ref.id)}`;
}

/** The error every store raises for a list operation on a non-list (or `incr` on a non-integer). */
export function wrongTypeError(ref: ConversationRef, field: string): WrongTypeError {
  return new WrongTypeError(`${where(ref, field)} holds a value of the wrong type for this operation`);
}

/** The error every store raises for `pop` on an empty/missing list or an index out of range. */
export function listIndexError(ref: ConversationRef, field: string): ListIndexError {
  return new ListIndexError(`list index out of range (or list empty) for ${where(ref, field)}`);
}

/** The error every store raises when `incr` would leave the safe integer range. */
export function incrRangeError(ref: ConversationRef, field: string): ValidationError {
  return new ValidationError(`incr would take ${where(ref, field)} beyond the safe integer range`);
}

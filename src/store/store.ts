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

/**
 * A conversation as one manager addresses it: its namespace (`keyPrefix`), its id, and the
 * manager's default TTL, which a write applies when the conversation has no `setTtl` value.
 * How a store lays it out (Redis key names, a map entry) is the store's business.
 */
export interface ConversationRef {
  /** The namespace, e.g. `"memory"`. */
  readonly prefix: string;
  /** The conversation id (validated). */
  readonly id: string;
  /** Conversation TTL in seconds when the conversation has no `setTtl` value; null = never. */
  readonly defaultTtl: number | null;
}

/** An encoded field value: one JSON text, or a list of JSON texts (one per element). */
export type StoredValue =
  | { readonly kind: "scalar"; readonly raw: string }
  | { readonly kind: "list"; readonly items: readonly string[] };

/**
 * A field's value as a read returns it: a scalar or a list ({@link StoredValue}), or a map field
 * (string keys to JSON texts, in no particular order).
 */
export type ReadValue =
  | StoredValue
  | { readonly kind: "map"; readonly entries: ReadonlyArray<readonly [string, string]> };

/** Field TTL for `set`: undefined follows the conversation; null pins "never"; N pins N seconds. */
export type FieldTtl = number | null | undefined;

/** Result of {@link MemoryStore.compareAndSet}. */
export type CasResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly current: ReadValue | undefined };

/**
 * A message validated and encoded by the API layer, without its timestamp: the store stamps it
 * with its own clock when it adds it (`encodeMessage` in messages.ts builds the stored JSON).
 */
export interface PreparedMessage {
  /** The idempotency key. */
  readonly id: string;
  readonly role: string;
  readonly content: string;
  /** The metadata's encoded JSON object. */
  readonly metadataJson: string;
}

/** Result of {@link MemoryStore.addMessage}. */
export type AddMessageResult =
  | { readonly added: true; readonly timestamp: number }
  | { readonly added: false; readonly raw: string };

/**
 * A window of the history for {@link MemoryStore.history}: the messages before `before` (by id;
 * undefined: up to the newest), the newest `limit` of them, and of those the newest whose summed
 * default token counts ({@link defaultTokens}) fit `maxTokens`.
 */
export interface HistoryWindow {
  readonly before: string | undefined;
  readonly limit: number | undefined;
  readonly maxTokens: number | undefined;
}

/**
 * The default token count of a stored message: ceil(UTF-8 bytes of its stored JSON / 4). Every
 * store counts with it, on the stored text, so windows agree across stores.
 */
export function defaultTokens(raw: string): number {
  return Math.ceil(Buffer.byteLength(raw, "utf8") / 4);
}

/** Result of {@link MemoryStore.updateMessage}. */
export type UpdateMessageResult =
  | { readonly kind: "updated"; readonly raw: string }
  /** No message of the history has that id. */
  | { readonly kind: "missing" }
  /** The updated message would encode to `bytes` > maxValueBytes; nothing changed. */
  | { readonly kind: "too-large"; readonly bytes: number }
  /** The element with that id is not laid out as a stored message (written as a plain list element). */
  | { readonly kind: "not-a-message" };

/** Result of {@link MemoryStore.compactMessages}. */
export type CompactResult =
  | { readonly ok: true; readonly timestamp: number; readonly length: number }
  | { readonly ok: false };

/** A page of a map field's keys; `cursor` undefined when the walk is complete. */
export interface MapKeysPage {
  readonly keys: string[];
  readonly cursor: string | undefined;
}

/** One entry of {@link MemoryStore.getMany}: a field, or one key of a map field. */
export interface ManyEntry {
  readonly field: string;
  readonly key?: string | undefined;
}

/**
 * Result of {@link MemoryStore.getMany}: per entry a field's value or a map key's JSON text
 * (undefined when missing); or `wrongType`, the index of an entry whose field is not a map.
 */
export type ManyResult =
  | { readonly ok: true; readonly values: ReadonlyArray<ReadValue | string | undefined> }
  | { readonly ok: false; readonly wrongType: number };

/** A guard of a batch, its values encoded. */
export type StoreGuard =
  | { readonly kind: "equals"; readonly field: string; readonly value: StoredValue | undefined }
  | { readonly kind: "suffix"; readonly field: string; readonly items: readonly string[] }
  | {
      readonly kind: "slice";
      readonly field: string;
      readonly start: number;
      readonly items: readonly string[];
    }
  | {
      readonly kind: "mapKey";
      readonly field: string;
      readonly key: string;
      readonly raw: string | undefined;
    };

/** A write of a batch, its values encoded. */
export type StoreWrite =
  | { readonly kind: "set"; readonly field: string; readonly value: StoredValue; readonly ttl: FieldTtl }
  | {
      readonly kind: "setMap";
      readonly field: string;
      readonly entries: ReadonlyArray<readonly [string, string]>;
    }
  | { readonly kind: "delete"; readonly field: string }
  | {
      readonly kind: "push";
      readonly field: string;
      readonly items: readonly string[];
      readonly maxLength: number | undefined;
    }
  | {
      readonly kind: "splice";
      readonly field: string;
      readonly start: number;
      readonly deleteCount: number;
      readonly items: readonly string[];
    }
  | { readonly kind: "message"; readonly message: PreparedMessage; readonly maxMessages: number | undefined }
  | { readonly kind: "mapSet"; readonly field: string; readonly key: string; readonly raw: string }
  | { readonly kind: "mapDelete"; readonly field: string; readonly key: string };

/** A batch for {@link MemoryStore.batch}. */
export interface StoreBatch {
  readonly guards: readonly StoreGuard[];
  readonly writes: readonly StoreWrite[];
  /** Recorded with `digest` in the same step; undefined: none. */
  readonly operationId: string | undefined;
  /** What the batch is (the same batch always has the same digest); "" without an operation id. */
  readonly digest: string;
}

/** One write's result: `set` undefined, deletes boolean, list writes the new length, messages. */
export type WriteResult = undefined | boolean | number | AddMessageResult;

/** Result of {@link MemoryStore.batch}. */
export type BatchResult =
  | { readonly kind: "applied"; readonly results: readonly WriteResult[] }
  /** The operation id was applied before with the same digest: nothing written. */
  | { readonly kind: "replayed" }
  /** The operation id was applied before with another digest: nothing written. */
  | { readonly kind: "reused" }
  /** Guard `index` failed: nothing written. */
  | { readonly kind: "guard"; readonly index: number }
  /** Write `index` meets a field of the wrong kind: nothing written. */
  | { readonly kind: "wrongType"; readonly index: number };

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
  get(ref: ConversationRef, field: string): Promise<ReadValue | undefined>;
  has(ref: ConversationRef, field: string): Promise<boolean>;
  set(ref: ConversationRef, field: string, value: StoredValue, ttl: FieldTtl): Promise<void>;
  /** Writes all entries atomically (all follow the conversation TTL). */
  update(ref: ConversationRef, entries: ReadonlyArray<readonly [string, StoredValue]>): Promise<void>;
  /** Returns true if the field existed. */
  delete(ref: ConversationRef, field: string): Promise<boolean>;
  keys(ref: ConversationRef): Promise<string[]>;
  items(ref: ConversationRef): Promise<Array<[string, ReadValue]>>;
  /** Adds `by` to an integer field (missing = 0); throws WrongTypeError / ValidationError (range). */
  incr(ref: ConversationRef, field: string, by: number): Promise<number>;
  /** Writes `next` only if the field still holds `expected` (undefined = missing). */
  compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
  ): Promise<CasResult>;
  /** Appends elements (creating the list); `maxLength` keeps the newest. Returns the new length. */
  push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
  ): Promise<number>;
  /** Removes and returns the element at a Python index; throws ListIndexError / WrongTypeError. */
  pop(ref: ConversationRef, field: string, index: number): Promise<string>;
  /** Python `list.insert`. Returns the new length. */
  insert(ref: ConversationRef, field: string, index: number, item: string): Promise<number>;
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
  ): Promise<AddMessageResult>;
  /**
   * A window of the history (stored elements, oldest first); undefined when `window.before` is
   * not the id of a message of the history. An id folded into a summary has nothing older: [].
   * Cost: the distance of `before` from the newest end, plus the window.
   */
  history(ref: ConversationRef, window: HistoryWindow): Promise<string[] | undefined>;
  /**
   * Replaces the content (an encoded JSON string) and/or the metadata (an encoded JSON object)
   * of the message `id` in place; its id, role, timestamp and id-index entry stay.
   */
  updateMessage(
    ref: ConversationRef,
    id: string,
    contentJson: string | undefined,
    metadataJson: string | undefined,
    maxValueBytes: number,
  ): Promise<UpdateMessageResult>;
  /** Deletes the message `id` from the history (its id may be added again); false when absent. */
  deleteMessage(ref: ConversationRef, id: string): Promise<boolean>;
  /**
   * Replaces the oldest `expected.length` elements of the history with `summary` (stamped by the
   * store's clock, first in the history) if they are still exactly `expected`; the elements after
   * them stay. The ids of the replaced messages stay remembered as compacted: `addMessage` of one
   * adds nothing and returns the latest summary. `ok: false` when they changed meanwhile.
   */
  compactMessages(
    ref: ConversationRef,
    expected: readonly string[],
    summary: PreparedMessage,
  ): Promise<CompactResult>;
  /** Values (JSON texts) of keys of a map field, in order; undefined for a missing key. */
  mapGet(ref: ConversationRef, field: string, keys: readonly string[]): Promise<Array<string | undefined>>;
  /** Sets one key of a map field (creating it); true when the key is new. O(1). */
  mapSet(ref: ConversationRef, field: string, key: string, raw: string): Promise<boolean>;
  /** Removes one key of a map field; true if it was there. O(1). */
  mapDelete(ref: ConversationRef, field: string, key: string): Promise<boolean>;
  /** A page of about `limit` keys of a map field from `cursor` ("0" starts). */
  mapKeys(ref: ConversationRef, field: string, cursor: string, limit: number): Promise<MapKeysPage>;
  /** Number of keys of a map field (missing = 0). O(1). */
  mapSize(ref: ConversationRef, field: string): Promise<number>;
  /** Several fields and map keys, as of one moment. */
  getMany(ref: ConversationRef, entries: readonly ManyEntry[]): Promise<ManyResult>;
  /**
   * Several writes as one atomic step, all or none: guards checked first, every write's field
   * kind checked before the first write, the operation id recorded with them.
   */
  batch(ref: ConversationRef, batch: StoreBatch): Promise<BatchResult>;
  /** Sets the conversation TTL (null = never) and applies it now to every field. */
  setTtl(ref: ConversationRef, ttl: number | null): Promise<void>;
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

/**
 * The error every store raises for a list operation on a non-list (or `incr` on a non-integer).
 * With `expected` (`"a list"`, `"an integer"`) and `found` ({@link describeStored}) it says
 * both; the memory API fills in what a store did not know (the Redis scripts only know "not a
 * list" / "not an integer").
 */
export function wrongTypeError(
  ref: ConversationRef,
  field: string,
  expected?: string,
  found?: string,
): WrongTypeError {
  const holds = found === undefined ? "holds a value of the wrong type" : `holds ${found}`;
  const wanted = expected === undefined ? "for this operation" : `where ${expected} was expected`;
  return new WrongTypeError(`${where(ref, field)} ${holds} ${wanted}`, expected, found);
}

/** What a stored value is, for messages: "a list", "a string", "an object", "an integer", … */
export function describeStored(value: ReadValue): string {
  if (value.kind === "list") return `a list of ${value.items.length} elements`;
  if (value.kind === "map") return `a map of ${value.entries.length} keys`;
  const raw = value.raw;
  switch (raw[0]) {
    case '"':
      return "a string";
    case "{":
      return "an object";
    case "[":
      return "a list";
    case "t":
    case "f":
      return "a boolean";
    case "n":
      return "null";
    default:
      if (!/^-?\d+$/.test(raw)) return "a non-integer number";
      return raw.replace("-", "").length > 15 && !Number.isSafeInteger(Number(raw))
        ? "an integer beyond the safe integer range"
        : "an integer";
  }
}

/** The error every store raises for `pop` on an empty/missing list or an index out of range. */
export function listIndexError(ref: ConversationRef, field: string): ListIndexError {
  return new ListIndexError(`list index out of range (or list empty) for ${where(ref, field)}`);
}

/** The error every store raises when `incr` would leave the safe integer range. */
export function incrRangeError(ref: ConversationRef, field: string): ValidationError {
  return new ValidationError(`incr would take ${where(ref, field)} beyond the safe integer range`);
}

/**
 * `ConversationMemory`: one conversation's memory, used like a local dict and list while
 * the store holds the truth. Validates and encodes here; every call is one atomic store
 * operation (one round trip on Redis) unless its TSDoc says otherwise.
 */

import {
  type BatchGuard,
  type BatchOptions,
  type BatchOutcome,
  type BatchWrite,
  batchOutcome,
  prepareBatch,
  wrongTypeTarget,
} from "./batch.js";
import type { CallOrder } from "./call-order.js";
import { within } from "./call-scope.js";
import type { Codec } from "./codec.js";
import {
  ClosedError,
  FieldNotFoundError,
  GuardFailedError,
  ValidationError,
  WrongTypeError,
} from "./errors.js";
import type { AttemptCount, OperationEvents, OperationName } from "./events.js";
import { checkChanges, checkCompact, checkWindow, compact, readWindow, updateMessage } from "./history.js";
import { KeyedRef, MESSAGES_FIELD } from "./keys.js";
import { checkKeys, checkKeysPage, checkMany, encodeMapValue, type ManySpec, readMany } from "./maps.js";
import { checkMessageId, type Message, prepareMessage, storedMessage } from "./messages.js";
import { type ConversationTarget, type ModifyOptions, modifyField, removeFirst } from "./retry.js";
import {
  type ConversationRef,
  describeStored,
  type MemoryStore,
  type ReadValue,
  wrongTypeError,
} from "./store/store.js";
import type {
  AddMessageOptions,
  AppendOptions,
  ChatRole,
  CompactionResult,
  CompactOptions,
  ElementOf,
  FieldOf,
  GetListOptions,
  GetMessagesOptions,
  ListFieldOf,
  MapKeysOptions,
  MapKeysResult,
  MemorySize,
  MessageChanges,
  NumberFieldOf,
  Schema,
  SetOptions,
} from "./types.js";
import {
  checkField,
  checkFunction,
  checkInteger,
  checkLimit,
  checkMapKey,
  checkOptions,
  checkTtl,
  describe,
} from "./validate.js";
import { decodeValue, encodeItem, encodeItems, encodeRecord, encodeValue } from "./values.js";

/** @internal Everything a ConversationMemory needs from its manager. */
export interface MemoryContext {
  /** Set by the manager's `close()`: every call then rejects with ClosedError. */
  closed: boolean;
  readonly store: MemoryStore;
  readonly codec: Codec;
  readonly keyPrefix: string;
  /** Conversation TTL (seconds) when a conversation has no `setTtl` value; null = never. */
  readonly defaultTtl: number | null;
  readonly maxValueBytes: number;
  readonly maxMessages: number | undefined;
  /** Keeps calls on one conversation in call order around `modify`/`remove` (call-order.ts). */
  readonly order: CallOrder;
  /** The manager's `on("operation")` listeners (events.ts). */
  readonly events: OperationEvents;
}

const SET_OPTIONS = ["ttl"] as const;
const APPEND_OPTIONS = ["maxLength"] as const;
const LIST_OPTIONS = ["start", "end"] as const;
const MODIFY_OPTIONS = ["fallback", "maxRetries"] as const;

/** What the list operations and the message history need a field to hold. */
const A_LIST = "a list";
const A_MAP = "a map";
const AN_INTEGER = "an integer";

/**
 * Calls `fn`; its synchronous throw (bad input) becomes a rejection. Lets the hottest methods
 * return the store's promise without an async frame of their own (one microtask less per
 * call) while still never throwing synchronously.
 */
function settled<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * One conversation's memory. Obtain it with `manager.getMemory(id)` (cheap, synchronous).
 *
 * @typeParam S - optional schema of the conversation's fields (an interface or a type), e.g.
 *   `getMemory<{ prefs: Prefs; log: Entry[]; turns: number }>(id)` makes `get("prefs")` return
 *   `Prefs | undefined`, lets the list methods take only `log` and `incr` only `turns`.
 * @typeParam R - the type of message roles (default {@link ChatRole}).
 *
 * @example
 * ```ts
 * const memory = manager.getMemory("conv_123");
 * await memory.set("prefs", { language: "en" });
 * const prefs = await memory.get("prefs", {});
 * await memory.append("log", { action: "login" });
 * await memory.addMessage("user", "hi");
 * const recent = await memory.getMessages({ limit: 10 });
 * ```
 */
export class ConversationMemory<S extends Schema = Record<string, unknown>, R extends string = ChatRole> {
  /** The conversation id. */
  readonly conversationId: string;
  private readonly ref: ConversationRef;
  /** The conversation's store, ref and value encoding, for the helper modules. */
  private readonly target: ConversationTarget;

  /** @internal Use `manager.getMemory(id)`. */
  constructor(
    private readonly ctx: MemoryContext,
    conversationId: string,
  ) {
    this.conversationId = conversationId;
    this.ref = new KeyedRef(ctx.keyPrefix, conversationId, ctx.defaultTtl);
    const values = { codec: ctx.codec, maxValueBytes: ctx.maxValueBytes, conversationId };
    this.target = { store: ctx.store, ref: this.ref, values };
  }

  private decode(value: ReadValue): unknown {
    return decodeValue(this.ctx.codec, value);
  }

  /**
   * Runs one store operation in call order (call-order.ts): at once unless a `modify`/`remove`
   * is in flight. Reports it as `operation` to the manager's listeners, if any (events.ts),
   * with what its store call did (call-scope.ts): without listeners this costs one boolean
   * check, no timestamp.
   */
  private op<T>(operation: OperationName, task: () => Promise<T>): Promise<T> {
    const events = this.ctx.events;
    if (!events.listening || !events.active()) {
      if (this.ctx.closed) return Promise.reject(new ClosedError());
      return this.ctx.order.run(this.conversationId, task);
    }
    const start = performance.now();
    const scope = events.scope();
    const promise = this.ctx.closed
      ? Promise.reject(new ClosedError())
      : this.ctx.order.run(this.conversationId, () => within(scope, task));
    return events.track(operation, this.conversationId, start, promise, scope);
  }

  /**
   * Runs a read-then-write loop (`modify`, `remove`) exclusively on this conversation; `task`
   * gets an {@link AttemptCount} (retries, and the scope of its store calls) only when someone
   * listens.
   */
  private exclusive<T>(operation: OperationName, task: (attempts?: AttemptCount) => Promise<T>): Promise<T> {
    const events = this.ctx.events;
    if (!events.listening || !events.active()) {
      if (this.ctx.closed) return Promise.reject(new ClosedError());
      return this.ctx.order.exclusive(this.conversationId, task);
    }
    const start = performance.now();
    const attempts: AttemptCount = events.attempts();
    const promise = this.ctx.closed
      ? Promise.reject(new ClosedError())
      : this.ctx.order.exclusive(this.conversationId, () => task(attempts));
    return events.track(operation, this.conversationId, start, promise, attempts);
  }

  /**
   * Rethrows a store's {@link WrongTypeError} saying what `field` holds and that `expected`
   * was needed, when the store could not tell (the Redis scripts only know "not a list"):
   * one more read, on the error path only.
   */
  private readonly wrongType = async (err: unknown, field: string, expected: string): Promise<never> => {
    if (!(err instanceof WrongTypeError) || err.found !== undefined) throw err;
    let found: ReadValue | undefined;
    try {
      found = await this.ctx.store.get(this.ref, field);
    } catch {
      throw err;
    }
    throw wrongTypeError(this.ref, field, expected, found === undefined ? undefined : describeStored(found));
  };

  /** `promise`, with a WrongTypeError explained by {@link wrongType}. */
  private typed<T>(promise: Promise<T>, field: string, expected: string): Promise<T> {
    return promise.then(undefined, (err: unknown) => this.wrongType(err, field, expected));
  }

  // ---- dict operations ------------------------------------------------------------------

  /** The field's value (a fresh copy; a list field returns its array), or `fallback`. */
  get<K extends FieldOf<S>>(field: K): Promise<S[K] | undefined>;
  get<K extends FieldOf<S>, F>(field: K, fallback: F): Promise<S[K] | F>;
  async get(field: string, fallback?: unknown): Promise<unknown> {
    checkField(field);
    const stored = await this.op("get", () => this.ctx.store.get(this.ref, field));
    return stored === undefined ? fallback : this.decode(stored);
  }

  /** The field's value; {@link FieldNotFoundError} when missing (the seed's `memory["k"]`). */
  async require<K extends FieldOf<S>>(field: K): Promise<S[K]> {
    checkField(field);
    // The missing-field check runs inside the operation, so its event reports the error.
    const stored = await this.op("require", async () => {
      const found = await this.ctx.store.get(this.ref, field);
      if (found === undefined) {
        throw new FieldNotFoundError(
          `field ${JSON.stringify(field)} not found in conversation ${JSON.stringify(this.conversationId)}`,
        );
      }
      return found;
    });
    return this.decode(stored) as S[K];
  }

  /**
   * Stores a value (an array becomes a list). `ttl` (seconds, or null = never) pins this
   * field to its own expiry; without it the field follows the conversation TTL.
   */
  set<K extends FieldOf<S>>(field: K, value: S[K], options?: SetOptions): Promise<void> {
    return settled(() => {
      checkField(field);
      checkOptions(options, "set options", SET_OPTIONS, "{ ttl: 60 }");
      const ttl = options && "ttl" in options ? checkTtl(options.ttl) : undefined;
      const stored = encodeValue(this.target.values, field, value);
      return this.op("set", () => this.ctx.store.set(this.ref, field, stored, ttl));
    });
  }

  /** Stores several fields: all or none, one round trip. */
  async update(record: Partial<S>): Promise<void> {
    const entries = encodeRecord(this.target.values, record);
    if (entries.length > 0) await this.op("update", () => this.ctx.store.update(this.ref, entries));
  }

  /** Whether the field exists. */
  has(field: FieldOf<S>): Promise<boolean> {
    return settled(() => {
      checkField(field);
      return this.op("has", () => this.ctx.store.has(this.ref, field));
    });
  }

  /** Deletes the field; true if it existed. */
  async delete(field: FieldOf<S>): Promise<boolean> {
    checkField(field);
    return await this.op("delete", () => this.ctx.store.delete(this.ref, field));
  }

  /** The field names, sorted. Reads the conversation's own index: never scans the keyspace. */
  async keys(): Promise<Array<FieldOf<S>>> {
    return (await this.op("keys", () => this.ctx.store.keys(this.ref))).sort() as Array<FieldOf<S>>;
  }

  /** `[field, value]` pairs (fresh copies), sorted by field. */
  async items(): Promise<Array<[FieldOf<S>, S[FieldOf<S>]]>> {
    const items = await this.op("items", () => this.ctx.store.items(this.ref));
    items.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return items.map(([field, value]) => [field as FieldOf<S>, this.decode(value) as S[FieldOf<S>]]);
  }

  /** Atomically adds `by` (a safe integer) to an integer field; a missing field starts at 0. */
  incr(field: NumberFieldOf<S>, by = 1): Promise<number> {
    return settled(() => {
      checkField(field);
      checkInteger(by, "incr amount");
      return this.typed(
        this.op("incr", () => this.ctx.store.incr(this.ref, field, by)),
        field,
        AN_INTEGER,
      );
    });
  }

  /**
   * Atomic read-modify-write: `fn` gets a copy of the current value (or `fallback`) and
   * returns the new one, which is written only if nobody changed the field meanwhile;
   * otherwise `fn` runs again on the newer value. It takes effect when its write lands, and
   * calls on this conversation issued after it (from this manager) wait for it, so contention
   * is only with other processes. If `fn` throws, nothing changes.
   * Gives up with {@link ConflictError} after `maxRetries` attempts.
   */
  modify<K extends FieldOf<S>>(
    field: K,
    fn: (current: S[K]) => S[K] | Promise<S[K]>,
    options: ModifyOptions<S[K]> & { fallback: S[K] },
  ): Promise<S[K]>;
  modify<K extends FieldOf<S>>(
    field: K,
    fn: (current: S[K] | undefined) => S[K] | Promise<S[K]>,
    options?: ModifyOptions<S[K]>,
  ): Promise<S[K]>;
  async modify<K extends FieldOf<S>>(
    field: K,
    fn: (current: S[K]) => S[K] | Promise<S[K]>,
    options: ModifyOptions<S[K]> = {},
  ): Promise<S[K]> {
    checkField(field);
    checkFunction(fn, "modify's updater (its second argument)");
    checkOptions(options, "modify options", MODIFY_OPTIONS, "{ fallback: 0 }");
    return await this.exclusive("modify", (attempts) =>
      modifyField(
        this.target,
        field,
        fn as (current: S[K] | undefined) => S[K] | Promise<S[K]>,
        options,
        attempts,
      ),
    );
  }

  // ---- lists -----------------------------------------------------------------------------

  /** Appends one element (O(1)); creates the list when missing. `maxLength` keeps the newest. */
  append<K extends ListFieldOf<S>>(
    field: K,
    value: ElementOf<S[K]>,
    options?: AppendOptions,
  ): Promise<number> {
    return settled(() => {
      checkField(field);
      checkOptions(options, "append options", APPEND_OPTIONS, "{ maxLength: 100 }");
      const maxLength = checkLimit(options?.maxLength, "maxLength");
      const item = encodeItem(this.target.values, field, value);
      return this.typed(
        this.op("append", () => this.ctx.store.push(this.ref, field, [item], maxLength)),
        field,
        A_LIST,
      );
    });
  }

  /** Appends several elements in one round trip. */
  async extend<K extends ListFieldOf<S>>(
    field: K,
    values: ReadonlyArray<ElementOf<S[K]>>,
    options?: AppendOptions,
  ): Promise<number> {
    checkField(field);
    if (!Array.isArray(values)) throw new ValidationError(`extend takes an array, got ${describe(values)}`);
    checkOptions(options, "extend options", APPEND_OPTIONS, "{ maxLength: 100 }");
    const maxLength = checkLimit(options?.maxLength, "maxLength");
    const items = encodeItems(this.target.values, field, values);
    try {
      return await this.op("extend", () => this.ctx.store.push(this.ref, field, items, maxLength));
    } catch (err) {
      return await this.wrongType(err, field, A_LIST);
    }
  }

  /** Removes and returns the element at `index` (Python rules; default the last). */
  async pop<K extends ListFieldOf<S>>(field: K, index = -1): Promise<ElementOf<S[K]>> {
    checkField(field);
    checkInteger(index, "index");
    let raw: string;
    try {
      raw = await this.op("pop", () => this.ctx.store.pop(this.ref, field, index));
    } catch (err) {
      return await this.wrongType(err, field, A_LIST);
    }
    return this.ctx.codec.decode(raw) as ElementOf<S[K]>;
  }

  /** Python `list.insert(index, value)`: negative indexes count from the end; out of range clamps. */
  async insert<K extends ListFieldOf<S>>(field: K, index: number, value: ElementOf<S[K]>): Promise<number> {
    checkField(field);
    checkInteger(index, "index");
    const item = encodeItem(this.target.values, field, value);
    try {
      return await this.op("insert", () => this.ctx.store.insert(this.ref, field, index, item));
    } catch (err) {
      return await this.wrongType(err, field, A_LIST);
    }
  }

  /**
   * Removes the first element deep-equal to `value` (object key order ignored); true if one
   * was removed. Two round trips: it reads the list, then removes that element only if the
   * list is unchanged (retrying otherwise), so it stays atomic.
   */
  async remove<K extends ListFieldOf<S>>(field: K, value: ElementOf<S[K]>): Promise<boolean> {
    checkField(field);
    try {
      return await this.exclusive("remove", (attempts) => removeFirst(this.target, field, value, attempts));
    } catch (err) {
      return await this.wrongType(err, field, A_LIST);
    }
  }

  /** The list (a fresh array), or `list.slice(start, end)` of it; a missing field is `[]`. */
  async getList<K extends ListFieldOf<S>>(
    field: K,
    options?: GetListOptions,
  ): Promise<Array<ElementOf<S[K]>>> {
    checkField(field);
    checkOptions(options, "getList options", LIST_OPTIONS, "{ start: -10 }");
    const start = options?.start === undefined ? undefined : checkInteger(options.start, "start");
    const end = options?.end === undefined ? undefined : checkInteger(options.end, "end");
    let items: string[];
    try {
      items = await this.op("getList", () => this.ctx.store.range(this.ref, field, start, end));
    } catch (err) {
      return await this.wrongType(err, field, A_LIST);
    }
    return items.map((raw) => this.ctx.codec.decode(raw) as ElementOf<S[K]>);
  }

  /** Number of elements (O(1)); a missing field is 0. */
  listLength(field: ListFieldOf<S>): Promise<number> {
    return settled(() => {
      checkField(field);
      return this.typed(
        this.op("listLength", () => this.ctx.store.length(this.ref, field)),
        field,
        A_LIST,
      );
    });
  }

  // ---- map fields, multi-get, batches -------------------------------------------------------

  /** The value of key `key` of the map field `field` (a fresh copy), or `fallback`. O(1). */
  async mapGet(field: string, key: string, fallback?: unknown): Promise<unknown> {
    checkField(field);
    checkMapKey(key);
    const [raw] = await this.typed(
      this.op("mapGet", () => this.ctx.store.mapGet(this.ref, field, [key])),
      field,
      A_MAP,
    );
    return raw === undefined ? fallback : this.ctx.codec.decode(raw);
  }

  /** The values of several keys of the map field, in order (undefined for a missing key); one round trip. */
  async mapGetMany(field: string, keys: readonly string[]): Promise<unknown[]> {
    checkField(field);
    const checked = checkKeys(keys);
    if (checked.length === 0) return [];
    const raws = await this.typed(
      this.op("mapGetMany", () => this.ctx.store.mapGet(this.ref, field, checked)),
      field,
      A_MAP,
    );
    return checked.map((_, i) =>
      raws[i] === undefined ? undefined : this.ctx.codec.decode(raws[i] as string),
    );
  }

  /**
   * Sets key `key` of the map field `field` to `value`, creating the map field; true when the key
   * is new. O(1) whatever the map's size; renews the conversation like any write.
   */
  async mapSet(field: string, key: string, value: unknown): Promise<boolean> {
    checkField(field);
    checkMapKey(key);
    const raw = encodeMapValue(this.target.values, field, value);
    return this.typed(
      this.op("mapSet", () => this.ctx.store.mapSet(this.ref, field, key, raw)),
      field,
      A_MAP,
    );
  }

  /** Removes key `key` of the map field; true if it was there. O(1). */
  async mapDelete(field: string, key: string): Promise<boolean> {
    checkField(field);
    checkMapKey(key);
    return this.typed(
      this.op("mapDelete", () => this.ctx.store.mapDelete(this.ref, field, key)),
      field,
      A_MAP,
    );
  }

  /**
   * A page of the map field's keys, in no particular order: about `limit` keys and the `cursor`
   * of the next page (undefined once done). Every key present for the whole walk is listed at
   * least once; a key added or removed meanwhile may or may not be; a key may come twice if the
   * map grows during the walk. Cost per page: O(limit), whatever the map's size.
   */
  async mapKeys(field: string, options: MapKeysOptions = {}): Promise<MapKeysResult> {
    checkField(field);
    const { cursor, limit } = checkKeysPage(options);
    return this.typed(
      this.op("mapKeys", () => this.ctx.store.mapKeys(this.ref, field, cursor, limit)),
      field,
      A_MAP,
    );
  }

  /** The number of keys of the map field (0 when missing). O(1). */
  async mapSize(field: string): Promise<number> {
    checkField(field);
    return this.typed(
      this.op("mapSize", () => this.ctx.store.mapSize(this.ref, field)),
      field,
      A_MAP,
    );
  }

  /**
   * Several fields, and keys of map fields (`{ field, key }`), as of one moment, in one round
   * trip: the values in order, undefined for what is missing.
   *
   * @example
   * ```ts
   * const [prefs, turns, cp] = await memory.getMany(["prefs", "turns", { field: "checkpoints", key: "cp-7" }]);
   * ```
   */
  async getMany(entries: readonly ManySpec[]): Promise<unknown[]> {
    const checked = checkMany(entries);
    if (checked.length === 0) return [];
    return this.op("getMany", () => readMany(this.ctx.store, this.ref, this.target.values, checked));
  }

  /**
   * Several writes as one atomic step and one round trip, all or none (see {@link BatchWrite}),
   * optionally guarded and idempotent (see {@link BatchOptions}). A failed guard is a
   * `GuardFailedError`, a write on a field of the wrong kind a `WrongTypeError`: nothing is
   * written. Costs what its writes cost.
   */
  async batch(writes: readonly BatchWrite[], options: BatchOptions = {}): Promise<BatchOutcome<R>> {
    const prepared = prepareBatch(this.target.values, writes, options);
    const result = await this.op("batch", () => this.ctx.store.batch(this.ref, prepared.batch));
    if (result.kind === "wrongType") {
      const { field, expected } = wrongTypeTarget(prepared, result.index);
      return await this.wrongType(wrongTypeError(this.ref, field), field, expected);
    }
    return batchOutcome(this.ref, prepared, result) as BatchOutcome<R>;
  }

  /**
   * List compare-and-set: if the list field ends with `expected` (deep-equal as stored), replaces
   * those elements with `replacement`, in one atomic step; false (nothing changed) otherwise. A
   * missing field is an empty list. Cost: `expected.length` plus the replacement.
   */
  async replaceSuffix(
    field: string,
    expected: readonly unknown[],
    replacement: readonly unknown[],
  ): Promise<boolean> {
    const n = Array.isArray(expected) ? expected.length : 0;
    // The last n elements; for n = 0 the list's end (-0 would be its start).
    const start = n === 0 ? Number.MAX_SAFE_INTEGER : -n;
    return this.replaceGuarded(
      { field, endsWith: expected as unknown[] },
      { op: "splice", field, start, deleteCount: n, items: replacement as unknown[] },
    );
  }

  /**
   * List compare-and-set from an index: if the list holds `expected` from index `start` on
   * (negative: from the end), replaces those elements with `replacement` atomically; false
   * otherwise. Cost: the distance of `start` from the end plus the replacement.
   */
  async replaceSlice(
    field: string,
    start: number,
    expected: readonly unknown[],
    replacement: readonly unknown[],
  ): Promise<boolean> {
    const n = Array.isArray(expected) ? expected.length : 0;
    return this.replaceGuarded(
      { field, at: start, items: expected as unknown[] },
      { op: "splice", field, start, deleteCount: n, items: replacement as unknown[] },
    );
  }

  private async replaceGuarded(guard: BatchGuard, write: BatchWrite): Promise<boolean> {
    try {
      await this.batch([write], { guards: [guard] });
      return true;
    } catch (err) {
      if (!(err instanceof GuardFailedError)) throw err;
    }
    // The guard failed: a list that changed (false), or no list at all (WrongTypeError).
    await this.listLength(guard.field as ListFieldOf<S>);
    return false;
  }

  // ---- conversation history --------------------------------------------------------------

  /**
   * Appends a message to the `messages` list. With `id`, a retry (a webhook or queue
   * redelivery) returns the stored message and changes nothing, even across processes.
   * `maxMessages` (else the manager's) keeps the newest messages, in the same atomic step.
   */
  async addMessage(
    role: R,
    content: string,
    metadata: Record<string, unknown> = {},
    options: AddMessageOptions = {},
  ): Promise<Message<R>> {
    const message = prepareMessage(this.target.values, role, content, metadata, options);
    const maxMessages = message.maxMessages ?? this.ctx.maxMessages;
    try {
      const result = await this.op("addMessage", () =>
        this.ctx.store.addMessage(this.ref, message.prepared, maxMessages),
      );
      return storedMessage(result, message) as Message<R>;
    } catch (err) {
      return await this.wrongType(err, MESSAGES_FIELD, A_LIST);
    }
  }

  /**
   * A window of the history, oldest first: all messages, or the newest `limit`, or those before
   * the message `before` (paging back), or the newest that fit a `maxTokens` budget (counted by
   * `countTokens`, else by `estimateTokens`), trimmed to start on a `startOn` role. Costs
   * O(window) (plus `before`'s distance from the newest end), never the whole history.
   *
   * @example
   * ```ts
   * const context = await memory.getMessages({ maxTokens: 4000, startOn: "user" });
   * const page = await memory.getMessages({ before: oldest.id, limit: 20 }); // paging back
   * ```
   */
  async getMessages(options: GetMessagesOptions = {}): Promise<Array<Message<R>>> {
    const window = checkWindow(options);
    try {
      return (await this.op("getMessages", () => readWindow(this.ctx.store, this.ref, window))) as Array<
        Message<R>
      >;
    } catch (err) {
      return await this.wrongType(err, MESSAGES_FIELD, A_LIST);
    }
  }

  /**
   * Changes the content and/or the metadata (replaced as a whole) of the message `id`, in place
   * and atomically; its id, role and timestamp stay, and a redelivery of its id still adds
   * nothing. Cost: the message's distance from the newest end.
   * {@link MessageNotFoundError} when the history holds no message with that id.
   *
   * @example
   * ```ts
   * await memory.updateMessage(reply.id, { content: "Corrected answer" });
   * ```
   */
  async updateMessage(id: string, changes: MessageChanges): Promise<Message<R>> {
    const change = checkChanges(this.target.values, id, changes);
    return this.typed(
      this.op("updateMessage", () => updateMessage(this.ctx.store, this.ref, this.target.values, change)),
      MESSAGES_FIELD,
      A_LIST,
    ) as Promise<Message<R>>;
  }

  /**
   * Deletes the message `id` from the history; true if it was there. Its id may then be added
   * again. Cost: the message's distance from the newest end.
   */
  async deleteMessage(id: string): Promise<boolean> {
    const checked = checkMessageId(id);
    return this.typed(
      this.op("deleteMessage", () => this.ctx.store.deleteMessage(this.ref, checked)),
      MESSAGES_FIELD,
      A_LIST,
    );
  }

  /**
   * Replaces the messages older than the newest `keepLast` with one summary message, without
   * ever losing a message another process (or this one) adds meanwhile. `summarize` gets those
   * messages and runs outside Redis (an LLM call may take seconds); then one atomic step replaces
   * exactly them — if any changed meanwhile, `summarize` runs again (3 attempts, then
   * `ConflictError`). The summary is first in the history, with a fresh id, role `"system"`
   * unless given, and `metadata.summary = { count, fromId, toId }`. The compacted ids stay
   * remembered: `addMessage` with one adds nothing and returns the summary.
   *
   * Calls issued after it are not held back while `summarize` runs; its write takes effect when
   * it lands (like `modify`'s), in call order from then on.
   *
   * @example
   * ```ts
   * const { compacted, summary } = await memory.compactMessages({
   *   keepLast: 20,
   *   summarize: async (old) => ({ content: await llmSummary(old) }),
   * });
   * ```
   */
  async compactMessages(options: CompactOptions<R>): Promise<CompactionResult<R>> {
    const checked = checkCompact(options as unknown as CompactOptions<string>);
    const later = <T>(step: () => Promise<T>): Promise<T> =>
      this.ctx.closed ? Promise.reject(new ClosedError()) : this.ctx.order.run(this.conversationId, step);
    return this.typed(
      this.op("compactMessages", () => compact(this.ctx.store, this.ref, this.target.values, checked, later)),
      MESSAGES_FIELD,
      A_LIST,
    ) as Promise<CompactionResult<R>>;
  }

  /** Number of messages (O(1)). */
  getMessageCount(): Promise<number> {
    return this.typed(
      this.op("getMessageCount", () => this.ctx.store.length(this.ref, MESSAGES_FIELD)),
      MESSAGES_FIELD,
      A_LIST,
    );
  }

  // ---- utilities ---------------------------------------------------------------------------

  /**
   * Sets the conversation TTL (seconds, or null = never) and applies it now to every field
   * (fields pinned with their own `ttl` return to the conversation TTL). It sticks: later
   * writes from any process renew the conversation to this TTL.
   */
  async setTtl(seconds: number | null): Promise<void> {
    const ttl = checkTtl(seconds, "setTtl seconds");
    await this.op("setTtl", () => this.ctx.store.setTtl(this.ref, ttl));
  }

  /** Seconds until the conversation expires; null if it never does; undefined if it does not exist. */
  async getTtl(): Promise<number | null | undefined> {
    const ms = await this.op("getTtl", () => this.ctx.store.getTtl(this.ref));
    return ms === null || ms === undefined ? ms : Math.ceil(ms / 1000);
  }

  /** Deletes every field (the conversation's TTL setting stays); returns how many were removed. */
  clearAll(): Promise<number> {
    return this.op("clearAll", () => this.ctx.store.clear(this.ref));
  }

  /** Encoded sizes (UTF-8 bytes of each value's JSON; a list sums its elements). O(fields). */
  async getMemorySize(): Promise<MemorySize> {
    const sizes = (await this.op("getMemorySize", () => this.ctx.store.sizes(this.ref))).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const totalSizeBytes = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
    return {
      conversationId: this.conversationId,
      totalFields: sizes.length,
      totalSizeBytes,
      fields: Object.fromEntries(sizes),
    };
  }
}

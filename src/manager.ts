/**
 * `MemoryManager`: opens conversations' memory on one store and owns that store's lifecycle.
 */
import { CallOrder } from "./call-order.js";
import { type CallScope, within } from "./call-scope.js";
import { type Codec, jsonCodec } from "./codec.js";
import { recordingStore } from "./content.js";
import { ClosedError, ValidationError } from "./errors.js";
import {
  type ManagerEventName,
  OperationEvents,
  type OperationListener,
  type OperationListenerOptions,
} from "./events.js";
import { checkKeyPrefix, DEFAULT_KEY_PREFIX } from "./keys.js";
import { ConversationMemory, type MemoryContext } from "./memory.js";
import type { RedisInput } from "./store/redis/connection.js";
import { checkRedisInput, RedisStore } from "./store/redis/redis-store.js";
import type { ConversationInfo, MemoryStore, RegistryPage, SweepStep } from "./store/store.js";
import type {
  ChatRole,
  CleanupOptions,
  ConversationsOptions,
  ListConversationsOptions,
  Schema,
} from "./types.js";
import {
  checkBoolean,
  checkConversationId,
  checkFunction,
  checkLimit,
  checkOptions,
  checkTtl,
  describe,
} from "./validate.js";

/** Conversations per registry batch when `batchSize` is not given. */
const DEFAULT_BATCH = 500;

/** What {@link MemoryManager.getStats} returns. */
export interface MemoryStats {
  totalConversations: number;
  conversations: Array<{ conversationId: string; totalFields: number; totalSizeBytes: number }>;
}

/** Default conversation TTL in seconds (one hour). */
export const DEFAULT_TTL = 3600;

/** Default largest encoded value (or list element), in bytes: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;

/** The option names of {@link createMemoryManager}. */
const MANAGER_OPTIONS = [
  "redis",
  "keyPrefix",
  "defaultTtl",
  "maxValueBytes",
  "maxMessages",
  "timeoutMs",
  "durability",
  "store",
  "codec",
] as const;

/** The method names a `store` option must have (the {@link MemoryStore} interface). */
const STORE_METHODS = ["get", "set", "update", "addMessage", "listConversations", "close"] as const;

/** Options of {@link createMemoryManager}. */
export interface MemoryManagerOptions {
  /**
   * Redis to use: a URL, node-redis client options, or an existing client (which stays yours).
   * Ignored when `store` is given.
   * @default "redis://localhost:6379"
   */
  redis?: RedisInput | undefined;
  /**
   * Namespace of every key; must not contain `{` or `}`.
   * @default "memory"
   */
  keyPrefix?: string | undefined;
  /**
   * Conversation TTL in seconds, renewed by every write; null = conversations never expire.
   * @default 3600
   */
  defaultTtl?: number | null | undefined;
  /**
   * Largest encoded value (or list element) in bytes; larger -> ValueTooLargeError.
   * @default 1048576
   */
  maxValueBytes?: number | undefined;
  /** Cap on the `messages` list: the oldest are dropped. @default undefined (no cap) */
  maxMessages?: number | undefined;
  /**
   * Bound, in ms, on any operation's wait when Redis is unreachable or stalled.
   * @default 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Durability across failover (Redis only): writes resolve only once `replicas` replicas have
   * them (`WAIT`, up to `timeoutMs`, default 1000), else reject with `StoreError`.
   * @default undefined (a write is acknowledged by the primary alone)
   */
  durability?: { replicas: number; timeoutMs?: number | undefined } | undefined;
  /** A store to use instead of Redis, e.g. `new InMemoryStore()`. It is closed by `close()`. */
  store?: MemoryStore | undefined;
  /** Value encoding. @default strict JSON */
  codec?: Codec | undefined;
}

/**
 * Opens conversations' memory and manages the store.
 *
 * @example
 * ```ts
 * const manager = createMemoryManager({ redis: "redis://localhost:6379" });
 * const memory = manager.getMemory("conv_123");
 * await memory.set("prefs", { language: "en" });
 * await manager.close();
 * ```
 */
export class MemoryManager {
  /** The backend. */
  readonly store: MemoryStore;
  /** The namespace of every key of this manager (the `keyPrefix` option). */
  readonly keyPrefix: string;
  private readonly ctx: MemoryContext;
  /** Listeners; while one wants content, the memories use the recording view of the store (content.ts). */
  private readonly events = new OperationEvents((content) => {
    (this.ctx as { store: MemoryStore }).store = content ? recordingStore(this.store) : this.store;
  });

  constructor(options: MemoryManagerOptions = {}) {
    checkOptions(
      options,
      "createMemoryManager options",
      MANAGER_OPTIONS,
      '{ redis: "redis://localhost:6379" }',
    );
    const keyPrefix = checkKeyPrefix(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    const defaultTtl =
      options.defaultTtl === undefined ? DEFAULT_TTL : checkTtl(options.defaultTtl, "defaultTtl");
    const maxValueBytes = checkLimit(options.maxValueBytes, "maxValueBytes") ?? DEFAULT_MAX_VALUE_BYTES;
    const maxMessages = checkLimit(options.maxMessages, "maxMessages");
    const { timeoutMs, store, codec } = options;
    if (
      timeoutMs !== undefined &&
      (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
    ) {
      throw new ValidationError(
        `timeoutMs must be a positive number of milliseconds, got ${describe(timeoutMs)}`,
      );
    }
    if (store !== undefined && !STORE_METHODS.every((m) => typeof store?.[m] === "function")) {
      throw new ValidationError(
        `the store option must be a MemoryStore (e.g. new InMemoryStore()), got ${describe(store)}`,
      );
    }
    if (codec !== undefined && (typeof codec?.encode !== "function" || typeof codec?.decode !== "function")) {
      throw new ValidationError(
        `the codec option must have encode and decode functions, got ${describe(codec)}`,
      );
    }
    const redis = checkRedisInput(options.redis);
    this.keyPrefix = keyPrefix;
    this.store =
      store ??
      new RedisStore({
        ...(redis === undefined ? {} : { redis }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(options.durability === undefined ? {} : { durability: options.durability }),
      });
    this.ctx = {
      closed: false,
      store: this.store,
      codec: codec ?? jsonCodec,
      keyPrefix,
      defaultTtl,
      maxValueBytes,
      maxMessages,
      order: new CallOrder(),
      events: this.events,
    };
  }

  /**
   * Calls `listener` with an {@link OperationEvent} each time a public operation of this manager
   * (or of a memory it gave out) settles: method name, conversation id, duration, outcome and
   * error `code`, `modify`/`remove` retries, Redis commands by kind (`calls`), and what the
   * cleanups removed. With `{ content: true }` the listener also gets the field names and values
   * each call wrote or read (`records`); other listeners never see them. Listeners run
   * synchronously, before the caller sees the result; one that throws is ignored (one
   * `process.emitWarning` per manager). Without any listener, calls take no timestamp and
   * allocate nothing for this. Adding the same listener twice registers it once (with the
   * latest options). Returns the manager.
   *
   * @example
   * ```ts
   * manager.on("operation", (e) => {
   *   console.log(e.operation, e.conversationId, e.durationMs.toFixed(1), e.outcome, e.code ?? "", e.calls);
   * });
   * manager.on("operation", (e) => audit.write(e.records), { content: true });
   * ```
   */
  on(event: ManagerEventName, listener: OperationListener, options?: OperationListenerOptions): this {
    checkOptions(options, "on options", ["content", "enabled"], "{ content: true }");
    checkBoolean(options?.content, "content");
    if (options?.enabled !== undefined) checkFunction(options.enabled, "on's enabled option");
    this.events.add(checkListener(event, listener, "on"), options?.content === true, options?.enabled);
    return this;
  }

  /** Removes a listener added with {@link on}; no further events reach it. Returns the manager. */
  off(event: ManagerEventName, listener: OperationListener): this {
    this.events.remove(checkListener(event, listener, "off"));
    return this;
  }

  /**
   * Reports a manager-level call (`conversationId` undefined unless it is on one conversation).
   * `run` gets the call's scope (call-scope.ts) while someone listens, to run its store calls in.
   */
  private tracked<T>(
    operation: "cleanupConversation" | "getStats" | "listConversations" | "cleanupExpiredConversations",
    conversationId: string | undefined,
    run: (scope?: CallScope) => Promise<T>,
    removed?: (value: T) => number,
  ): Promise<T> {
    if (!this.events.listening || !this.events.active()) return run();
    const start = performance.now();
    const scope = this.events.scope();
    let promise: Promise<T>;
    try {
      promise = run(scope);
    } catch (err) {
      promise = Promise.reject(err);
    }
    return this.events.track(operation, conversationId, start, promise, scope, removed);
  }

  /**
   * The memory of one conversation: cheap, synchronous, no I/O, nothing cached.
   * Throws {@link ValidationError} for an invalid id.
   */
  getMemory<S extends Schema = Record<string, unknown>, R extends string = ChatRole>(
    conversationId: string,
  ): ConversationMemory<S, R> {
    if (this.ctx.closed) throw new ClosedError();
    return new ConversationMemory<S, R>(this.ctx, checkConversationId(conversationId));
  }

  /** Deletes a conversation entirely (its TTL setting included); returns the number of fields removed. */
  async cleanupConversation(conversationId: string): Promise<number> {
    const id = checkConversationId(conversationId);
    return await this.tracked(
      "cleanupConversation",
      id,
      (scope) => {
        this.checkOpen();
        const ref = { prefix: this.ctx.keyPrefix, id, defaultTtl: this.ctx.defaultTtl };
        return this.ctx.order.run(id, () => within(scope, () => this.store.deleteConversation(ref)));
      },
      (fields) => fields,
    );
  }

  /**
   * Streams every live conversation under this manager's `keyPrefix`, fetched from the
   * registry `batchSize` at a time: constant memory, never the KEYS command, never one unbounded command.
   *
   * @example
   * ```ts
   * for await (const c of manager.conversations({ batchSize: 500 })) console.log(c.conversationId, c.lastActivity);
   * ```
   */
  async *conversations(
    options: ConversationsOptions = {},
  ): AsyncGenerator<ConversationInfo, void, undefined> {
    checkOptions(options, "conversations options", ["batchSize"], "{ batchSize: 500 }");
    const batchSize = checkLimit(options.batchSize, "batchSize") ?? DEFAULT_BATCH;
    if (!this.events.listening || !this.events.active()) return yield* this.pages(batchSize);
    // One event for the whole stream, once it ends (a `break` out of the loop ends it "ok").
    const start = performance.now();
    const scope = this.events.scope();
    let failure: { err: unknown } | undefined;
    try {
      yield* this.pages(batchSize, scope);
    } catch (err) {
      failure = { err };
      throw err;
    } finally {
      const settled = failure === undefined ? Promise.resolve() : Promise.reject(failure.err);
      this.events.track("conversations", undefined, start, settled, scope).catch(() => {});
    }
  }

  /**
   * One bounded, resumable read of the registry: the live conversations from `cursor` (0 starts
   * the walk) until about `limit` are collected, and the `cursor` to pass next (undefined once
   * the walk is complete). Pages come in registry order, which is neither time nor size; a
   * conversation written during a walk may or may not appear in it. For paging UIs that keep no
   * iterator open between requests (`conversations()` is the streaming form).
   *
   * Cost on Redis: the registry has 16,384 buckets (one per Cluster slot), read 512 per step; a
   * page is whole steps until `limit` is reached, so at least 1/32 of the conversations
   * (about N/32 of N) are read per page however small `limit` is. On `InMemoryStore` the cursor
   * counts conversations and a page is exactly `limit` (the last may be shorter).
   *
   * @example
   * ```ts
   * let page = await manager.listConversations({ limit: 100 });
   * while (page.cursor !== undefined) page = await manager.listConversations({ cursor: page.cursor });
   * ```
   */
  async listConversations(options: ListConversationsOptions = {}): Promise<RegistryPage> {
    checkOptions(options, "listConversations options", ["cursor", "limit"], "{ cursor: 0, limit: 500 }");
    const cursor: unknown = options.cursor === undefined ? 0 : options.cursor;
    if (typeof cursor !== "number" || !Number.isSafeInteger(cursor) || cursor < 0) {
      throw new ValidationError(
        `cursor must be 0 or the cursor of a previous page (a non-negative integer), got ${describe(cursor)}`,
      );
    }
    const limit = checkLimit(options.limit, "limit") ?? DEFAULT_BATCH;
    return await this.tracked("listConversations", undefined, (scope) => {
      this.checkOpen();
      return within(scope, () => this.store.listConversations(this.ctx.keyPrefix, cursor, limit));
    });
  }

  /**
   * Every live conversation, `batchSize` per registry read (no events of its own: see
   * {@link conversations}); its store calls run in `scope` when given.
   */
  private async *pages(
    batchSize: number,
    scope?: CallScope,
  ): AsyncGenerator<ConversationInfo, void, undefined> {
    let cursor: number | undefined = 0;
    while (cursor !== undefined) {
      this.checkOpen();
      const from: number = cursor;
      const page: RegistryPage = await within(scope, () =>
        this.store.listConversations(this.ctx.keyPrefix, from, batchSize),
      );
      yield* page.conversations;
      cursor = page.cursor;
    }
  }

  /**
   * Totals over every live conversation (conversations Redis already expired are not counted).
   * Reads the registry in bounded batches; never blocks Redis.
   */
  getStats(): Promise<MemoryStats> {
    return this.tracked("getStats", undefined, async (scope) => {
      const conversations: MemoryStats["conversations"] = [];
      for await (const { conversationId, totalFields, totalSizeBytes } of this.pages(DEFAULT_BATCH, scope)) {
        conversations.push({ conversationId, totalFields, totalSizeBytes });
      }
      return { totalConversations: conversations.length, conversations };
    });
  }

  /**
   * Deletes every conversation whose last write is more than `maxAgeSeconds` ago (store clock),
   * and forgets conversations Redis already expired. Each candidate's own last write is
   * re-checked atomically before deleting, so a live conversation is never removed. Cost grows
   * with the number removed, not with the number stored. Returns the number removed;
   * `onProgress` gets cumulative counts after each step, the last with the returned total.
   * With `dryRun: true` nothing changes and the counts are what would be removed.
   */
  async cleanupExpiredConversations(options: CleanupOptions): Promise<number> {
    if (options === undefined) {
      throw new ValidationError("cleanupExpiredConversations takes options, e.g. { maxAgeSeconds: 3600 }");
    }
    checkOptions(
      options,
      "cleanupExpiredConversations options",
      ["maxAgeSeconds", "onProgress", "dryRun"],
      "{ maxAgeSeconds: 3600 }",
    );
    const maxAge = options.maxAgeSeconds;
    if (typeof maxAge !== "number" || !Number.isFinite(maxAge) || maxAge < 0) {
      throw new ValidationError(`maxAgeSeconds must be a non-negative number, got ${describe(maxAge)}`);
    }
    if (options.onProgress !== undefined) checkFunction(options.onProgress, "onProgress");
    checkBoolean(options.dryRun, "dryRun");
    return await this.tracked(
      "cleanupExpiredConversations",
      undefined,
      (scope) => this.sweep(maxAge, options, scope),
      (removed) => (options.dryRun === true ? 0 : removed),
    );
  }

  /** The loop of {@link cleanupExpiredConversations}, its options checked; store calls in `scope`. */
  private async sweep(
    maxAge: number,
    options: CleanupOptions,
    scope: CallScope | undefined,
  ): Promise<number> {
    this.checkOpen();
    const cutoff = (await within(scope, () => this.store.serverTime())) - maxAge * 1000;
    let scanned = 0;
    let removed = 0;
    let cursor: number | undefined = 0;
    while (cursor !== undefined) {
      const from: number = cursor;
      const step: SweepStep = await within(scope, () =>
        this.store.sweepExpired(this.ctx.keyPrefix, cutoff, from, options.dryRun === true),
      );
      this.checkOpen();
      scanned += step.scanned;
      removed += step.removed;
      cursor = step.cursor;
      options.onProgress?.({ scanned, removed });
    }
    return removed;
  }

  /**
   * Closes the store (a Redis client you passed in stays open). Idempotent. Afterwards every
   * call (on this manager and on every memory it gave out) rejects with {@link ClosedError}
   * and `getMemory()` throws it. Calls still waiting for Redis end at once with `ClosedError`
   * (they may or may not have run).
   */
  async close(): Promise<void> {
    if (this.ctx.closed) return;
    this.ctx.closed = true;
    if (shared === this) shared = undefined;
    await this.store.close();
  }

  /** Throws {@link ClosedError} once the manager is closed. */
  private checkOpen(): void {
    if (this.ctx.closed) throw new ClosedError();
  }
}

/** Checks the arguments of `on`/`off`. */
function checkListener(event: unknown, listener: unknown, method: string): OperationListener {
  if (event !== "operation") {
    throw new ValidationError(`${method} takes the event name "operation", got ${describe(event)}`);
  }
  checkFunction(listener, `${method}'s listener (its second argument)`);
  return listener as OperationListener;
}

/**
 * Creates a manager. With no `store`, it uses Redis (`options.redis`, default localhost).
 *
 * @example
 * ```ts
 * const manager = createMemoryManager({ redis: process.env.REDIS_URL, defaultTtl: 3600 });
 * ```
 */
export function createMemoryManager(options: MemoryManagerOptions = {}): MemoryManager {
  return new MemoryManager(options);
}

let shared: MemoryManager | undefined;

/**
 * One shared manager per process, created on first call from `options` or, without them,
 * from `CONVMEM_REDIS_URL`, then `REDIS_URL`, then `redis://localhost:6379`. Later calls
 * return the same manager (their options are ignored) until it is closed.
 */
export function getMemoryManager(options?: MemoryManagerOptions): MemoryManager {
  if (!shared) {
    const url = process.env.CONVMEM_REDIS_URL || process.env.REDIS_URL || "redis://localhost:6379";
    shared = new MemoryManager(options ?? { redis: url });
  }
  return shared;
}

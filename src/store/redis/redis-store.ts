/**
 * `RedisStore`: the {@link MemoryStore} on Redis. Every write is one call of a Lua function
 * from `lua/` over the keys of one conversation (one Cluster hash slot), so each is atomic and
 * one round trip: every decision (is the conversation alive, does the field follow its TTL, is
 * the id new) is taken inside Redis, in the same atomic step as the write, never from what
 * this process believes other processes did (docs/architecture.md, "Exact by construction").
 * The newest messages of the history are one plain `LRANGE`: the history's key expires
 * physically exactly when the history does, so it exists exactly while the history is live.
 * Running scripts, durability and the mapping of script error codes (`CONVMEM_*`) to the typed
 * errors are in `script-runner.ts`; argument and reply formats in `wire.ts`.
 */

import { ValidationError } from "../../errors.js";
import { MESSAGES_FIELD } from "../../keys.js";
import { messageHalves } from "../../messages.js";
import { checkOptions, describe } from "../../validate.js";
import type {
  AddMessageResult,
  BatchResult,
  CasResult,
  CompactResult,
  ConversationRef,
  FieldTtl,
  HistoryWindow,
  ManyEntry,
  ManyResult,
  MapKeysPage,
  MemoryStore,
  PreparedMessage,
  ReadValue,
  RegistryPage,
  StoreBatch,
  StoredValue,
  SweepStep,
  UpdateMessageResult,
} from "../store.js";
import { DEFAULT_REDIS_URL, DEFAULT_TIMEOUT_MS, RedisConnection, type RedisInput } from "./connection.js";
import { listConversations, sweepExpired } from "./registry.js";
import { checkDurability, FALLBACK, ScriptRunner } from "./script-runner.js";
import { loadScripts } from "./scripts.js";
import {
  batchArgs,
  batchResult,
  casArgs,
  elementsDigest,
  entryArgs,
  messageArgs,
  optionalArg,
  setArgs,
  ttlArg,
} from "./wire.js";

/** The arguments of a script that takes none beyond the shared ones (never modified). */
const NO_ARGS: readonly string[] = [];

/** A plain LRANGE's reply: the elements. */
const elementsOf = (reply: unknown): string[] => reply as string[];

/** A field name as the liveness key's value lists it (lua/write.lua `live_name`). */
const liveName = (field: string): string =>
  `\n${field.replace(/[\\\n]/g, (c) => (c === "\\" ? "\\\\" : "\\n"))}\n`;

/**
 * Decodes the plain `MGET <live key> <field key>` of `get`: with the liveness key there (the
 * conversation is live), a string is the field's value and no string is no value, unless the
 * key's value names the field (it may be a list or a map) or is not a list of names; then, and
 * without the liveness key, the script answers ({@link FALLBACK}).
 */
function liveValue(field: string): (reply: unknown) => ReadValue | undefined | typeof FALLBACK {
  return (reply) => {
    const [live, value] = reply as [string | null, string | null];
    if (typeof live !== "string" || live.charCodeAt(0) !== 49) return FALLBACK;
    if (typeof value === "string") return { kind: "scalar", raw: value };
    return live.includes(liveName(field)) ? FALLBACK : undefined;
  };
}

/** {@link liveValue} for `has`: whether the field has a value, or {@link FALLBACK}. */
function liveExists(field: string): (reply: unknown) => boolean | typeof FALLBACK {
  const value = liveValue(field);
  return (reply) => {
    const found = value(reply);
    return found === FALLBACK ? FALLBACK : found !== undefined;
  };
}

const STORE_OPTIONS = ["redis", "timeoutMs", "durability"] as const;

/**
 * The `redis` option: a URL string, or an object (node-redis client options, `{ cluster }`,
 * `{ sentinel }`, a client). Anything else (a port number, …) is a ValidationError.
 */
export function checkRedisInput(redis: unknown): RedisInput | undefined {
  if (redis === undefined || typeof redis === "string") return redis;
  if (typeof redis === "object" && redis !== null && !Array.isArray(redis)) return redis as RedisInput;
  throw new ValidationError(
    `the redis option must be a URL string such as "redis://localhost:6379", node-redis client options or a client, got ${describe(redis)}`,
  );
}

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * A URL (`redis://…`, `rediss://…`), node-redis client options, or an existing connected or
   * unconnected client. A client you pass stays yours: `close()` does not close it.
   * @default "redis://localhost:6379"
   */
  redis?: RedisInput | undefined;
  /**
   * Bound, in ms, on any operation's wait when Redis is unreachable or stalled.
   * @default 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Durability across failover: every write waits (Redis `WAIT`, pipelined after the write) until
   * `replicas` replicas acknowledge it, up to `timeoutMs` (default 1000, below the store's
   * `timeoutMs`); otherwise the write rejects with `StoreError` (it may or may not survive a
   * failover). Off by default: a write acknowledged by the primary alone can be lost if the
   * primary dies before replicating it.
   */
  durability?: { replicas: number; timeoutMs?: number | undefined } | undefined;
}

/**
 * The Redis backend (standalone Redis >= 7).
 *
 * @example
 * ```ts
 * const manager = createMemoryManager({ store: new RedisStore({ redis: "redis://localhost:6379" }) });
 * ```
 */
export class RedisStore implements MemoryStore {
  private readonly conn: RedisConnection;
  private readonly scripts: ScriptRunner;

  constructor(options: RedisStoreOptions = {}) {
    checkOptions(options, "RedisStore options", STORE_OPTIONS, '{ redis: "redis://localhost:6379" }');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new ValidationError(
        `timeoutMs must be a positive number of milliseconds, got ${describe(timeoutMs)}`,
      );
    checkOptions(options.durability, "durability", ["replicas", "timeoutMs"], "{ replicas: 1 }");
    const durability = checkDurability(options.durability, timeoutMs);
    const redis = checkRedisInput(options.redis);
    this.conn = new RedisConnection(
      redis ?? DEFAULT_REDIS_URL,
      timeoutMs,
      (redis ?? DEFAULT_REDIS_URL) === DEFAULT_REDIS_URL,
    );
    this.scripts = new ScriptRunner(this.conn, loadScripts(), durability);
  }

  get(ref: ConversationRef, field: string): Promise<ReadValue | undefined> {
    // One plain MGET of the liveness key and the field's key (lua/write.lua); the script where
    // that does not answer (no liveness key, or no string where a list or map may be).
    return this.scripts.read("get", ref, field, NO_ARGS, (k, key) => ["MGET", k.live, key], liveValue(field));
  }

  has(ref: ConversationRef, field: string): Promise<boolean> {
    // As `get`: one plain MGET, the script where that does not answer.
    return this.scripts.read(
      "has",
      ref,
      field,
      NO_ARGS,
      (k, key) => ["MGET", k.live, key],
      liveExists(field),
    );
  }

  set(ref: ConversationRef, field: string, value: StoredValue, ttl: FieldTtl): Promise<void> {
    const fieldTtl = ttl === undefined ? "" : ttlArg(ttl);
    return this.scripts.run("set", ref, field, setArgs(fieldTtl, value));
  }

  update(ref: ConversationRef, entries: ReadonlyArray<readonly [string, StoredValue]>): Promise<void> {
    return this.scripts.run("update", ref, "", entryArgs(entries));
  }

  delete(ref: ConversationRef, field: string): Promise<boolean> {
    return this.scripts.run("delete", ref, field, NO_ARGS);
  }

  keys(ref: ConversationRef): Promise<string[]> {
    return this.scripts.run("keys", ref, "", NO_ARGS);
  }

  items(ref: ConversationRef): Promise<Array<[string, ReadValue]>> {
    return this.scripts.run("items", ref, "", NO_ARGS);
  }

  incr(ref: ConversationRef, field: string, by: number): Promise<number> {
    return this.scripts.run("incr", ref, field, [String(by)]);
  }

  compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
  ): Promise<CasResult> {
    return this.scripts.run("cas", ref, field, casArgs(expected, next));
  }

  push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
  ): Promise<number> {
    return this.scripts.run("push", ref, field, [optionalArg(maxLength), ...items]);
  }

  pop(ref: ConversationRef, field: string, index: number): Promise<string> {
    return this.scripts.run("pop", ref, field, [String(index)]);
  }

  insert(ref: ConversationRef, field: string, index: number, item: string): Promise<number> {
    return this.scripts.run("insert", ref, field, [String(index), item]);
  }

  removeAt(
    ref: ConversationRef,
    field: string,
    index: number,
    expected: string,
    length: number,
  ): Promise<boolean> {
    return this.scripts.run("remove", ref, field, [String(index), expected, String(length)]);
  }

  range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    const args = [optionalArg(start), optionalArg(end)];
    if (field === MESSAGES_FIELD && end === undefined && (start === undefined || start <= 0)) {
      // The history from the newest end (or all), whose key expires exactly with it
      // (lua/write.lua): a plain LRANGE (the empty-list marker or a value of another kind:
      // WRONGTYPE, then the script).
      const from = start === undefined ? "0" : String(start);
      return this.scripts.read(
        "range",
        ref,
        field,
        args,
        (_k, key) => ["LRANGE", key, from, "-1"],
        elementsOf,
      );
    }
    return this.scripts.run("range", ref, field, args);
  }

  length(ref: ConversationRef, field: string): Promise<number> {
    return this.scripts.run("length", ref, field, NO_ARGS);
  }

  addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
  ): Promise<AddMessageResult> {
    return this.scripts.run("addmsg", ref, MESSAGES_FIELD, messageArgs(message, maxMessages));
  }

  history(ref: ConversationRef, window: HistoryWindow): Promise<string[] | undefined> {
    const before = window.before === undefined ? "" : JSON.stringify(window.before);
    return this.scripts.run("history", ref, MESSAGES_FIELD, [
      before,
      optionalArg(window.limit),
      optionalArg(window.maxTokens),
    ]);
  }

  updateMessage(
    ref: ConversationRef,
    id: string,
    contentJson: string | undefined,
    metadataJson: string | undefined,
    maxValueBytes: number,
  ): Promise<UpdateMessageResult> {
    return this.scripts.run("updmsg", ref, MESSAGES_FIELD, [
      JSON.stringify(id),
      contentJson ?? "",
      metadataJson ?? "",
      String(maxValueBytes),
    ]);
  }

  deleteMessage(ref: ConversationRef, id: string): Promise<boolean> {
    return this.scripts.run("delmsg", ref, MESSAGES_FIELD, [JSON.stringify(id)]);
  }

  compactMessages(
    ref: ConversationRef,
    expected: readonly string[],
    summary: PreparedMessage,
  ): Promise<CompactResult> {
    const [head, tail] = messageHalves(summary);
    return this.scripts.run("compact", ref, MESSAGES_FIELD, [
      String(expected.length),
      elementsDigest(expected),
      JSON.stringify(summary.id),
      head,
      tail,
    ]);
  }

  mapGet(ref: ConversationRef, field: string, keys: readonly string[]): Promise<Array<string | undefined>> {
    return this.scripts.run("mapget", ref, field, keys);
  }

  mapSet(ref: ConversationRef, field: string, key: string, raw: string): Promise<boolean> {
    return this.scripts.run("mapset", ref, field, [key, raw]);
  }

  mapDelete(ref: ConversationRef, field: string, key: string): Promise<boolean> {
    return this.scripts.run("mapdel", ref, field, [key]);
  }

  mapKeys(ref: ConversationRef, field: string, cursor: string, limit: number): Promise<MapKeysPage> {
    return this.scripts.run("mapkeys", ref, field, [cursor, String(limit)]);
  }

  mapSize(ref: ConversationRef, field: string): Promise<number> {
    return this.scripts.run("mapsize", ref, field, NO_ARGS);
  }

  getMany(ref: ConversationRef, entries: readonly ManyEntry[]): Promise<ManyResult> {
    const args: string[] = [];
    for (const { field, key } of entries) {
      if (key === undefined) args.push("f", field);
      else args.push("k", field, key);
    }
    return this.scripts.run("getmany", ref, "", args);
  }

  async batch(ref: ConversationRef, batch: StoreBatch): Promise<BatchResult> {
    const reply = await this.scripts.run("batch", ref, "", batchArgs(batch));
    return batchResult(reply, batch);
  }

  setTtl(ref: ConversationRef, ttl: number | null): Promise<void> {
    return this.scripts.run("setttl", ref, "", [ttlArg(ttl)]);
  }

  getTtl(ref: ConversationRef): Promise<number | null | undefined> {
    return this.scripts.run("getttl", ref, "", NO_ARGS);
  }

  sizes(ref: ConversationRef): Promise<Array<[string, number]>> {
    return this.scripts.run("sizes", ref, "", NO_ARGS);
  }

  clear(ref: ConversationRef): Promise<number> {
    return this.scripts.run("clear", ref, "", ["fields"]);
  }

  deleteConversation(ref: ConversationRef): Promise<number> {
    return this.scripts.run("clear", ref, "", ["all"]);
  }

  async serverTime(): Promise<number> {
    const [secs, micros] = (await this.scripts.send(["TIME"])) as [string, string];
    return Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
  }

  listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage> {
    return listConversations(this.scripts.scoped(), keyPrefix, cursor, limit);
  }

  sweepExpired(keyPrefix: string, cutoff: number, cursor: number, dryRun: boolean): Promise<SweepStep> {
    return sweepExpired(this.scripts.scoped(), keyPrefix, cutoff, cursor, dryRun);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

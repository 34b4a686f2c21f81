/**
 * `RedisStore`: the {@link MemoryStore} on Redis. Every operation is one `EVALSHA` of a Lua
 * script from `lua/` over the keys of one conversation (one Cluster hash slot), so each is
 * atomic and one round trip — or, on a fast path, one plain command. Running scripts and
 * mapping their error codes (`CONVMEM_*`) to the typed errors is in `script-runner.ts`;
 * argument and reply formats in `wire.ts`.
 *
 * Fast paths. A script costs Redis 5–20 µs per call, a plain command well under 1 µs
 * (BENCHMARKS.md). For a short window after one of this store's write scripts succeeded on a
 * conversation (`windowFor` in `recent-writes.ts`: an eighth of the conversation's TTL as this
 * process knows it — the default, or what it gave with `setTtl` — at most
 * 900 ms, counted from when the script was sent; 5 s for reads, which renew nothing), the
 * hottest operations on it run as one plain command: `get` → `GET`, `has` → `TYPE`,
 * `getList`/`getMessages` →
 * `LRANGE`, `listLength` → `LLEN`, and on fields that the script left following the conversation TTL, `set` →
 * `SET … XX KEEPTTL`, `incr` → `INCRBY`, `append`/`extend` → `RPUSHX`, and `addMessage`
 * with a generated id (which no stored message can hold) → `RPUSHX`, timestamped with this
 * process's estimate of the server clock (`server-clock.ts`); the next `addmsg` script indexes
 * the ids of messages pushed so, before it checks an id.
 * Why a plain command sees and keeps what the script would:
 * - The conversation cannot die in the window: a deadline is at least 10 s away, or the keys'
 *   physical expiry equals the deadline (TTLs under 10 s, lib.lua `EXACT_BELOW`), so after it
 *   the keys are gone; physical expiry is never before the deadline, so `KEEPTTL`, `INCRBY`
 *   and `RPUSHX` leave every key expiring with its conversation.
 * - A plain command never creates a field outside the bookkeeping: `SET … XX` and `RPUSHX`
 *   do nothing on a missing key (a field another process removed); an `INCRBY` that may have
 *   created one (its result equals the increment) is followed by the incr script, which adopts
 *   the key or finds the field live. Another type (`WRONGTYPE`, not an integer) changes nothing.
 *   Each of these falls back to the script, so every operation stays atomic.
 * - What is skipped is the script's bookkeeping: renewing the deadline (at most one window
 *   late, under the contract's one-second precision), the registry, sizes (scalars are
 *   measured, list sizes caught up: sizelib.lua).
 * Not covered: a field another process pinned to its own TTL within this process's window keeps
 * that TTL through a fast `set`/`incr`/`append` here (docs/API.md). Writes with `durability`
 * always run scripts.
 */

import type { ErrorReply } from "redis";
import { ValidationError } from "../../errors.js";
import { fieldKey, MESSAGES_FIELD } from "../../keys.js";
import type {
  AddMessageResult,
  CasResult,
  ConversationRef,
  FieldTtl,
  MemoryStore,
  PreparedMessage,
  RegistryPage,
  StoredValue,
  SweepStep,
  WritePolicy,
} from "../store.js";
import { DEFAULT_TIMEOUT_MS, RedisConnection, type RedisInput } from "./connection.js";
import { RecentWrites } from "./recent-writes.js";
import { listConversations, sweepExpired } from "./registry.js";
import { type Durability, ScriptRunner } from "./script-runner.js";
import { loadScripts } from "./scripts.js";
import { ServerClock } from "./server-clock.js";
import {
  entryArgs,
  expectedArgs,
  numberPairs,
  optionalArg,
  toStored,
  ttlArg,
  valueArgs,
  valuePairs,
} from "./wire.js";

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

/** How an empty list is stored. */
const EMPTY = "[]";
/** A plain command's answer when only the script can decide. */
const FALLBACK: unique symbol = Symbol("fallback");
/** Error replies of a plain command that mean "another type or value": the script decides. */
const UNDECIDED = /^(WRONGTYPE|ERR value is not an integer|ERR increment or decrement would overflow)/;

/** `Array.prototype.slice(start, end)` as `LRANGE` bounds, when they do not depend on the length. */
function lrangeBounds(start: number | undefined, end: number | undefined): [number, number] | undefined {
  const a = start ?? 0;
  if (end === undefined) return [a, -1];
  if ((a >= 0 && end > a) || (a < 0 && end < 0 && end > a)) return [a, end - 1];
  return undefined;
}

function checkDurability(option: RedisStoreOptions["durability"], timeoutMs: number): Durability | undefined {
  if (option === undefined) return undefined;
  const { replicas } = option;
  const waitMs = option.timeoutMs ?? Math.min(1000, Math.floor(timeoutMs / 2));
  if (!Number.isSafeInteger(replicas) || replicas < 1) {
    throw new ValidationError("durability.replicas must be a positive integer");
  }
  if (!Number.isSafeInteger(waitMs) || waitMs <= 0 || waitMs >= timeoutMs) {
    throw new ValidationError(
      `durability.timeoutMs must be a positive integer below timeoutMs (${timeoutMs})`,
    );
  }
  return { replicas, timeoutMs: waitMs };
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
  private readonly recent = new RecentWrites();
  private readonly clock = new ServerClock();
  private readonly fastWrites: boolean;

  constructor(options: RedisStoreOptions = {}) {
    const scripts = loadScripts();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new ValidationError("timeoutMs must be a positive number");
    const durability = checkDurability(options.durability, timeoutMs);
    this.conn = new RedisConnection(options.redis ?? "redis://localhost:6379", timeoutMs);
    this.scripts = new ScriptRunner(this.conn, scripts, durability);
    this.fastWrites = durability === undefined;
  }

  /** One plain command of a fast path; {@link FALLBACK} when its error means the script must decide. */
  private plain(args: readonly string[], key: string): Promise<unknown> {
    return this.conn.send(args, key, this.undecided);
  }

  private readonly undecided = (err: ErrorReply): unknown => {
    if (UNDECIDED.test(err.message)) return FALLBACK;
    throw this.conn.storeError(err);
  };

  /** True when a write of `field` may take a fast path (see the module comment). */
  private fastWrite(ref: ConversationRef, field: string): boolean {
    return this.fastWrites && field !== MESSAGES_FIELD && this.recent.follows(ref.keys.meta, field);
  }

  async get(ref: ConversationRef, field: string): Promise<StoredValue | undefined> {
    if (this.recent.alive(ref.keys.meta)) {
      const key = fieldKey(ref.keys, field);
      const raw = await this.plain(["GET", key], key);
      if (raw !== FALLBACK) {
        if (raw === null) return undefined;
        if (raw === EMPTY) return { kind: "list", items: [] };
        return { kind: "scalar", raw: String(raw) };
      }
    }
    return toStored(await this.scripts.run("get", ref, field, undefined, []));
  }

  async has(ref: ConversationRef, field: string): Promise<boolean> {
    if (this.recent.alive(ref.keys.meta)) {
      const key = fieldKey(ref.keys, field);
      return (await this.plain(["TYPE", key], key)) !== "none";
    }
    return (await this.scripts.run("has", ref, field, undefined, [])) === 1;
  }

  async set(
    ref: ConversationRef,
    field: string,
    value: StoredValue,
    ttl: FieldTtl,
    policy: WritePolicy,
  ): Promise<void> {
    if (ttl === undefined && value.kind === "scalar" && this.fastWrite(ref, field)) {
      const key = fieldKey(ref.keys, field);
      // null: nothing written (the key is gone). Over a list (or the empty-list marker) the
      // scalar simply replaces it, as `set` does: sizes are measured by type (sizelib.lua).
      if ((await this.plain(["SET", key, value.raw, "XX", "KEEPTTL"], key)) !== null) return;
    }
    const sentAt = RecentWrites.now();
    const fieldTtl = ttl === undefined ? "" : ttlArg(ttl);
    await this.scripts.run("set", ref, field, policy, [fieldTtl, ...valueArgs(value)]);
    this.recent.wrote(ref.keys.meta, field, ttl === undefined, sentAt, policy.defaultTtl);
  }

  async update(
    ref: ConversationRef,
    entries: ReadonlyArray<readonly [string, StoredValue]>,
    policy: WritePolicy,
  ): Promise<void> {
    const sentAt = RecentWrites.now();
    if ((await this.scripts.run("update", ref, "", policy, entryArgs(entries))) !== 1) return;
    for (const [field] of entries) this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
  }

  async delete(ref: ConversationRef, field: string, policy: WritePolicy): Promise<boolean> {
    const sentAt = RecentWrites.now();
    const existed = (await this.scripts.run("delete", ref, field, policy, [])) === 1;
    if (existed) this.recent.wrote(ref.keys.meta, field, false, sentAt, policy.defaultTtl);
    return existed;
  }

  async keys(ref: ConversationRef): Promise<string[]> {
    return ((await this.scripts.run("fields", ref, "", undefined, ["keys"])) as unknown[]).map(String);
  }

  async items(ref: ConversationRef): Promise<Array<[string, StoredValue]>> {
    return valuePairs(await this.scripts.run("fields", ref, "", undefined, ["items"]));
  }

  async incr(ref: ConversationRef, field: string, by: number, policy: WritePolicy): Promise<number> {
    let check = "";
    if (this.fastWrite(ref, field)) {
      const key = fieldKey(ref.keys, field);
      const reply = await this.plain(["INCRBY", key, String(by)], key);
      if (reply !== FALLBACK) {
        const n = Number(reply);
        if (Number.isSafeInteger(n) && n !== by) return n;
        if (n === by) {
          // The field held 0, or it had been removed (by another process, or its own TTL ran
          // out) and INCRBY created the key again: the script adopts it into the bookkeeping.
          check = "fast";
        } else {
          // Beyond the safe range: undone, and the script reports the error.
          await this.plain(["DECRBY", key, String(by)], key);
        }
      }
    }
    const sentAt = RecentWrites.now();
    const reply = await this.scripts.run("incr", ref, field, policy, [String(by), check]);
    this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
    return check === "fast" ? by : Number(reply);
  }

  async compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
    policy: WritePolicy,
  ): Promise<CasResult> {
    const args = [...expectedArgs(expected), ...valueArgs(next)];
    const sentAt = RecentWrites.now();
    const reply = (await this.scripts.run("cas", ref, field, policy, args)) as unknown[];
    if (reply[0] !== 1) return { ok: false, current: toStored(reply[1]) };
    this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
    return { ok: true };
  }

  async push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
    policy: WritePolicy,
  ): Promise<number> {
    if (maxLength === undefined && items.length > 0 && this.fastWrite(ref, field)) {
      const key = fieldKey(ref.keys, field);
      const n = await this.plain(["RPUSHX", key, ...items], key);
      // 0: the key is missing and nothing was pushed; another type: nothing was pushed.
      if (n !== FALLBACK && Number(n) > 0) return Number(n);
    }
    const sentAt = RecentWrites.now();
    const n = Number(await this.scripts.run("push", ref, field, policy, [optionalArg(maxLength), ...items]));
    this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
    return n;
  }

  async pop(ref: ConversationRef, field: string, index: number, policy: WritePolicy): Promise<string> {
    const sentAt = RecentWrites.now();
    const v = String(await this.scripts.run("pop", ref, field, policy, [String(index)]));
    this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
    return v;
  }

  async insert(
    ref: ConversationRef,
    field: string,
    index: number,
    item: string,
    policy: WritePolicy,
  ): Promise<number> {
    const sentAt = RecentWrites.now();
    const n = Number(await this.scripts.run("insert", ref, field, policy, [String(index), item]));
    this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
    return n;
  }

  async removeAt(
    ref: ConversationRef,
    field: string,
    index: number,
    expected: string,
    length: number,
    policy: WritePolicy,
  ): Promise<boolean> {
    const args = [String(index), expected, String(length)];
    const sentAt = RecentWrites.now();
    const removed = (await this.scripts.run("remove", ref, field, policy, args)) === 1;
    if (removed) this.recent.wrote(ref.keys.meta, field, true, sentAt, policy.defaultTtl);
    return removed;
  }

  async range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    const bounds = this.recent.alive(ref.keys.meta) ? lrangeBounds(start, end) : undefined;
    if (bounds) {
      const key = fieldKey(ref.keys, field);
      const items = await this.plain(["LRANGE", key, String(bounds[0]), String(bounds[1])], key);
      if (items !== FALLBACK) return (items as unknown[]).map(String);
    }
    const reply = await this.scripts.run("range", ref, field, undefined, [
      optionalArg(start),
      optionalArg(end),
    ]);
    return (reply as unknown[]).map(String);
  }

  async length(ref: ConversationRef, field: string): Promise<number> {
    if (this.recent.alive(ref.keys.meta)) {
      const key = fieldKey(ref.keys, field);
      const n = await this.plain(["LLEN", key], key);
      if (n !== FALLBACK) return Number(n);
    }
    return Number(await this.scripts.run("length", ref, field, undefined, []));
  }

  async addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
    policy: WritePolicy,
  ): Promise<AddMessageResult> {
    // A generated id cannot be in the history yet: no check needed, the message is pushed as
    // it is (the next addmsg script indexes its id). The timestamp is this process's estimate
    // of the server clock (server-clock.ts).
    if (message.freshId && maxMessages === undefined && this.fastWrites) {
      const timestamp = this.recent.follows(ref.keys.meta, MESSAGES_FIELD) ? this.clock.now() : undefined;
      if (timestamp !== undefined) {
        const key = fieldKey(ref.keys, MESSAGES_FIELD);
        const n = await this.plain(["RPUSHX", key, `${message.head}${timestamp}${message.tail}`], key);
        if (n !== FALLBACK && Number(n) > 0) return { added: true, timestamp };
      }
    }
    const args = [message.idJson, message.head, message.tail, optionalArg(maxMessages)];
    const sentAt = RecentWrites.now();
    const sentWall = Date.now();
    const reply = (await this.scripts.run("addmsg", ref, "messages", policy, args)) as unknown[];
    if (reply[0] !== 1) return { added: false, raw: String(reply[1]) };
    this.recent.wrote(ref.keys.meta, MESSAGES_FIELD, true, sentAt, policy.defaultTtl);
    const timestamp = Number(reply[1]);
    this.clock.sample(timestamp, sentWall);
    return { added: true, timestamp };
  }

  async setTtl(ref: ConversationRef, ttl: number | null, policy: WritePolicy): Promise<void> {
    this.recent.setTtl(ref.keys.meta, ttl);
    await this.scripts.run("setttl", ref, "", policy, [ttlArg(ttl)]);
    this.recent.setTtl(ref.keys.meta, ttl);
  }

  async getTtl(ref: ConversationRef): Promise<number | null | undefined> {
    const reply = await this.scripts.run("getttl", ref, "", undefined, []);
    if (reply === null || reply === undefined) return undefined;
    const ms = Number(reply);
    return ms === -1 ? null : ms;
  }

  async sizes(ref: ConversationRef): Promise<Array<[string, number]>> {
    return numberPairs(await this.scripts.run("fields", ref, "", undefined, ["sizes"]));
  }

  async clear(ref: ConversationRef): Promise<number> {
    this.recent.forget(ref.keys.meta);
    const removed = Number(await this.scripts.run("clear", ref, "", undefined, ["fields"]));
    this.recent.forget(ref.keys.meta);
    return removed;
  }

  async deleteConversation(ref: ConversationRef): Promise<number> {
    this.recent.forget(ref.keys.meta, true);
    const removed = Number(await this.scripts.run("clear", ref, "", undefined, ["all"]));
    this.recent.forget(ref.keys.meta, true);
    return removed;
  }

  async serverTime(): Promise<number> {
    const [secs, micros] = (await this.scripts.registry.send(["TIME"])) as [string, string];
    return Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
  }

  listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage> {
    return listConversations(this.scripts.registry, keyPrefix, cursor, limit);
  }

  sweepExpired(keyPrefix: string, cutoff: number, cursor: number, dryRun: boolean): Promise<SweepStep> {
    if (!dryRun) this.recent.forgetAll();
    return sweepExpired(this.scripts.registry, keyPrefix, cutoff, cursor, dryRun);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

/**
 * `RedisStore`: the {@link MemoryStore} on Redis. Every operation is one `EVALSHA` of a Lua
 * script from `lua/` over the keys of one conversation (one Cluster hash slot), so each is
 * atomic and one round trip — or, on a fast path (`fast-paths.ts`), one plain command. Running
 * scripts, durability and the mapping of script error codes (`CONVMEM_*`) to the typed errors
 * are in `script-runner.ts`; argument and reply formats in `wire.ts`.
 */

import { ValidationError } from "../../errors.js";
import { MESSAGES_FIELD } from "../../keys.js";
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
import { ADOPT, FALLBACK, FastPaths } from "./fast-paths.js";
import { listConversations, sweepExpired } from "./registry.js";
import { checkDurability, ScriptRunner } from "./script-runner.js";
import { loadScripts, type ScriptName } from "./scripts.js";
import {
  entryArgs,
  expectedArgs,
  numberPairs,
  optionalArg,
  type Reply,
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
  private readonly fast: FastPaths;

  constructor(options: RedisStoreOptions = {}) {
    const scripts = loadScripts();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new ValidationError("timeoutMs must be a positive number");
    const durability = checkDurability(options.durability, timeoutMs);
    this.conn = new RedisConnection(options.redis ?? "redis://localhost:6379", timeoutMs);
    this.scripts = new ScriptRunner(this.conn, scripts, durability);
    this.fast = new FastPaths(this.conn, durability === undefined);
  }

  /**
   * Runs a write script and, when `done(reply)` (by default always), tells the fast paths that
   * it succeeded on `field` (`follows`: the field now follows the conversation TTL).
   */
  private async write(
    name: ScriptName,
    ref: ConversationRef,
    field: string,
    policy: WritePolicy,
    args: readonly string[],
    follows = true,
    done: (reply: Reply) => boolean = () => true,
  ): Promise<Reply> {
    const sentAt = FastPaths.now();
    const reply = await this.scripts.run(name, ref, field, policy, args);
    if (done(reply)) this.fast.wrote(ref, field, follows, sentAt, policy);
    return reply;
  }

  async get(ref: ConversationRef, field: string): Promise<StoredValue | undefined> {
    const fast = this.fast.get(ref, field);
    if (fast) {
      const value = await fast;
      if (value !== FALLBACK) return value;
    }
    return toStored(await this.scripts.run("get", ref, field, undefined, []));
  }

  async has(ref: ConversationRef, field: string): Promise<boolean> {
    const fast = this.fast.has(ref, field);
    if (fast) {
      const found = await fast;
      if (found !== FALLBACK) return found;
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
    const fast = this.fast.set(ref, field, value, ttl);
    if (fast && (await fast) === true) return;
    const fieldTtl = ttl === undefined ? "" : ttlArg(ttl);
    await this.write("set", ref, field, policy, [fieldTtl, ...valueArgs(value)], ttl === undefined);
  }

  async update(
    ref: ConversationRef,
    entries: ReadonlyArray<readonly [string, StoredValue]>,
    policy: WritePolicy,
  ): Promise<void> {
    const sentAt = FastPaths.now();
    if ((await this.scripts.run("update", ref, "", policy, entryArgs(entries))) !== 1) return;
    for (const [field] of entries) this.fast.wrote(ref, field, true, sentAt, policy);
  }

  async delete(ref: ConversationRef, field: string, policy: WritePolicy): Promise<boolean> {
    return (await this.write("delete", ref, field, policy, [], false, (existed) => existed === 1)) === 1;
  }

  async keys(ref: ConversationRef): Promise<string[]> {
    return ((await this.scripts.run("fields", ref, "", undefined, ["keys"])) as unknown[]).map(String);
  }

  async items(ref: ConversationRef): Promise<Array<[string, StoredValue]>> {
    return valuePairs(await this.scripts.run("fields", ref, "", undefined, ["items"]));
  }

  async incr(ref: ConversationRef, field: string, by: number, policy: WritePolicy): Promise<number> {
    const fast = this.fast.incr(ref, field, by);
    const answer = fast && (await fast);
    if (typeof answer === "number") return answer;
    // After ADOPT the increment is applied: the script only takes the key into the bookkeeping.
    const reply = await this.write("incr", ref, field, policy, [String(by), answer === ADOPT ? "fast" : ""]);
    return answer === ADOPT ? by : Number(reply);
  }

  async compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
    policy: WritePolicy,
  ): Promise<CasResult> {
    const args = [...expectedArgs(expected), ...valueArgs(next)];
    const swapped = (reply: Reply) => (reply as unknown[])[0] === 1;
    const reply = await this.write("cas", ref, field, policy, args, true, swapped);
    return swapped(reply) ? { ok: true } : { ok: false, current: toStored((reply as unknown[])[1]) };
  }

  async push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
    policy: WritePolicy,
  ): Promise<number> {
    const fast = this.fast.push(ref, field, items, maxLength);
    if (fast) {
      const n = await fast;
      if (n !== FALLBACK) return n;
    }
    return Number(await this.write("push", ref, field, policy, [optionalArg(maxLength), ...items]));
  }

  async pop(ref: ConversationRef, field: string, index: number, policy: WritePolicy): Promise<string> {
    return String(await this.write("pop", ref, field, policy, [String(index)]));
  }

  async insert(
    ref: ConversationRef,
    field: string,
    index: number,
    item: string,
    policy: WritePolicy,
  ): Promise<number> {
    return Number(await this.write("insert", ref, field, policy, [String(index), item]));
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
    return (await this.write("remove", ref, field, policy, args, true, (removed) => removed === 1)) === 1;
  }

  async range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    const fast = this.fast.range(ref, field, start, end);
    if (fast) {
      const items = await fast;
      if (items !== FALLBACK) return items;
    }
    const reply = await this.scripts.run("range", ref, field, undefined, [
      optionalArg(start),
      optionalArg(end),
    ]);
    return (reply as unknown[]).map(String);
  }

  async length(ref: ConversationRef, field: string): Promise<number> {
    const fast = this.fast.length(ref, field);
    if (fast) {
      const n = await fast;
      if (n !== FALLBACK) return n;
    }
    return Number(await this.scripts.run("length", ref, field, undefined, []));
  }

  async addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
    policy: WritePolicy,
  ): Promise<AddMessageResult> {
    const fast = this.fast.addMessage(ref, message, maxMessages);
    if (fast) {
      const timestamp = await fast;
      if (timestamp !== FALLBACK) return { added: true, timestamp };
    }
    const args = [message.idJson, message.head, message.tail, optionalArg(maxMessages)];
    const sentWall = Date.now();
    const added = (reply: Reply) => (reply as unknown[])[0] === 1;
    const reply = (await this.write("addmsg", ref, MESSAGES_FIELD, policy, args, true, added)) as unknown[];
    if (!added(reply)) return { added: false, raw: String(reply[1]) };
    const timestamp = Number(reply[1]);
    this.fast.sampleClock(timestamp, sentWall);
    return { added: true, timestamp };
  }

  async setTtl(ref: ConversationRef, ttl: number | null, policy: WritePolicy): Promise<void> {
    this.fast.setTtl(ref, ttl);
    await this.scripts.run("setttl", ref, "", policy, [ttlArg(ttl)]);
    this.fast.setTtl(ref, ttl);
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
    return this.cleared(ref, "fields");
  }

  async deleteConversation(ref: ConversationRef): Promise<number> {
    return this.cleared(ref, "all");
  }

  /** The clear script; the fast paths forget the conversation before and after (and, for "all", its TTL setting). */
  private async cleared(ref: ConversationRef, what: "fields" | "all"): Promise<number> {
    this.fast.forget(ref, what === "all");
    const removed = Number(await this.scripts.run("clear", ref, "", undefined, [what]));
    this.fast.forget(ref, what === "all");
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
    if (!dryRun) this.fast.forgetAll();
    return sweepExpired(this.scripts.registry, keyPrefix, cutoff, cursor, dryRun);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

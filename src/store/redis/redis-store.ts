/**
 * `RedisStore`: the {@link MemoryStore} on Redis. Every operation is one `EVALSHA` of a Lua
 * script from `lua/` over the keys of one conversation (one Cluster hash slot), so each is
 * atomic and one round trip. There is no plain-command shortcut: every decision (is the
 * conversation alive, does the field follow its TTL, is the id new) is taken inside Redis, in
 * the same atomic step as the write, never from what this process believes other processes
 * did (docs/architecture.md, "Exact by construction"). Running scripts, durability and the
 * mapping of script error codes (`CONVMEM_*`) to the typed errors are in `script-runner.ts`;
 * argument and reply formats in `wire.ts`.
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
import { listConversations, sweepExpired } from "./registry.js";
import { checkDurability, ScriptRunner } from "./script-runner.js";
import { loadScripts } from "./scripts.js";
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
    const scripts = loadScripts();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new ValidationError("timeoutMs must be a positive number");
    const durability = checkDurability(options.durability, timeoutMs);
    this.conn = new RedisConnection(options.redis ?? "redis://localhost:6379", timeoutMs);
    this.scripts = new ScriptRunner(this.conn, scripts, durability);
  }

  async get(ref: ConversationRef, field: string): Promise<StoredValue | undefined> {
    return toStored(await this.scripts.run("get", ref, field, undefined, []));
  }

  async has(ref: ConversationRef, field: string): Promise<boolean> {
    return (await this.scripts.run("has", ref, field, undefined, [])) === 1;
  }

  async set(
    ref: ConversationRef,
    field: string,
    value: StoredValue,
    ttl: FieldTtl,
    policy: WritePolicy,
  ): Promise<void> {
    const fieldTtl = ttl === undefined ? "" : ttlArg(ttl);
    await this.scripts.run("set", ref, field, policy, [fieldTtl, ...valueArgs(value)]);
  }

  async update(
    ref: ConversationRef,
    entries: ReadonlyArray<readonly [string, StoredValue]>,
    policy: WritePolicy,
  ): Promise<void> {
    await this.scripts.run("update", ref, "", policy, entryArgs(entries));
  }

  async delete(ref: ConversationRef, field: string, policy: WritePolicy): Promise<boolean> {
    return (await this.scripts.run("delete", ref, field, policy, [])) === 1;
  }

  async keys(ref: ConversationRef): Promise<string[]> {
    return ((await this.scripts.run("fields", ref, "", undefined, ["keys"])) as unknown[]).map(String);
  }

  async items(ref: ConversationRef): Promise<Array<[string, StoredValue]>> {
    return valuePairs(await this.scripts.run("fields", ref, "", undefined, ["items"]));
  }

  async incr(ref: ConversationRef, field: string, by: number, policy: WritePolicy): Promise<number> {
    return Number(await this.scripts.run("incr", ref, field, policy, [String(by)]));
  }

  async compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
    policy: WritePolicy,
  ): Promise<CasResult> {
    const args = [...expectedArgs(expected), ...valueArgs(next)];
    const reply = (await this.scripts.run("cas", ref, field, policy, args)) as unknown[];
    return reply[0] === 1 ? { ok: true } : { ok: false, current: toStored(reply[1]) };
  }

  async push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
    policy: WritePolicy,
  ): Promise<number> {
    return Number(await this.scripts.run("push", ref, field, policy, [optionalArg(maxLength), ...items]));
  }

  async pop(ref: ConversationRef, field: string, index: number, policy: WritePolicy): Promise<string> {
    return String(await this.scripts.run("pop", ref, field, policy, [String(index)]));
  }

  async insert(
    ref: ConversationRef,
    field: string,
    index: number,
    item: string,
    policy: WritePolicy,
  ): Promise<number> {
    return Number(await this.scripts.run("insert", ref, field, policy, [String(index), item]));
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
    return (await this.scripts.run("remove", ref, field, policy, args)) === 1;
  }

  async range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    const reply = await this.scripts.run("range", ref, field, undefined, [
      optionalArg(start),
      optionalArg(end),
    ]);
    return (reply as unknown[]).map(String);
  }

  async length(ref: ConversationRef, field: string): Promise<number> {
    return Number(await this.scripts.run("length", ref, field, undefined, []));
  }

  async addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
    policy: WritePolicy,
  ): Promise<AddMessageResult> {
    const args = [message.idJson, message.head, message.tail, optionalArg(maxMessages)];
    const reply = (await this.scripts.run("addmsg", ref, MESSAGES_FIELD, policy, args)) as unknown[];
    if (reply[0] !== 1) return { added: false, raw: String(reply[1]) };
    return { added: true, timestamp: Number(reply[1]) };
  }

  async setTtl(ref: ConversationRef, ttl: number | null, policy: WritePolicy): Promise<void> {
    await this.scripts.run("setttl", ref, "", policy, [ttlArg(ttl)]);
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
    return Number(await this.scripts.run("clear", ref, "", undefined, ["fields"]));
  }

  async deleteConversation(ref: ConversationRef): Promise<number> {
    return Number(await this.scripts.run("clear", ref, "", undefined, ["all"]));
  }

  async serverTime(): Promise<number> {
    const [secs, micros] = (await this.scripts.registry.send(["TIME"])) as [string, string];
    return Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
  }

  listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage> {
    return listConversations(this.scripts.registry, keyPrefix, cursor, limit);
  }

  sweepExpired(keyPrefix: string, cutoff: number, cursor: number, dryRun: boolean): Promise<SweepStep> {
    return sweepExpired(this.scripts.registry, keyPrefix, cutoff, cursor, dryRun);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

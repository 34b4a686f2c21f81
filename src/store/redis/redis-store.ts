/**
 * `RedisStore`: the {@link MemoryStore} on Redis. Every operation is one `EVALSHA` of a Lua
 * script from `lua/` over the keys of one conversation (one Cluster hash slot), so each is
 * atomic and one round trip. Script error codes (`CONVMEM_*`) map to the typed errors here.
 */
import { ErrorReply } from "redis";
import { ValidationError } from "../../errors.js";
import { fieldKey } from "../../keys.js";
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
import { incrRangeError, listIndexError, wrongTypeError } from "../store.js";
import { DEFAULT_TIMEOUT_MS, RedisConnection, type RedisInput } from "./connection.js";
import { listConversations, type RegistryBackend, sweepExpired } from "./registry.js";
import { loadScripts, type Script, type ScriptName } from "./scripts.js";

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
}

type Reply = unknown;

function ttlArg(ttl: number | null): string {
  return ttl === null ? "-1" : String(ttl);
}

function valueArgs(value: StoredValue): string[] {
  return value.kind === "scalar" ? ["s", value.raw] : ["l", ...value.items];
}

function toStored(reply: Reply): StoredValue | undefined {
  if (!Array.isArray(reply)) return undefined;
  return reply[0] === 1
    ? { kind: "scalar", raw: String(reply[1]) }
    : { kind: "list", items: (reply[1] as unknown[]).map(String) };
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
  private readonly scripts = loadScripts();

  constructor(options: RedisStoreOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new ValidationError("timeoutMs must be a positive number");
    this.conn = new RedisConnection(options.redis ?? "redis://localhost:6379", timeoutMs);
  }

  /** EVALSHA, falling back to EVAL (which caches the script) when Redis lost it. */
  private async evalScript(
    name: ScriptName,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<Reply> {
    const script: Script = this.scripts[name];
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.conn.send(["EVALSHA", script.sha, ...tail]);
    } catch (err) {
      if (!(err instanceof ErrorReply) || !err.message.startsWith("NOSCRIPT")) throw err;
      return await this.conn.send(["EVAL", script.source, ...tail]);
    }
  }

  private async run(
    name: ScriptName,
    ref: ConversationRef,
    field: string,
    policy: WritePolicy | undefined,
    args: readonly string[],
  ): Promise<Reply> {
    const keys = [ref.keys.meta, ref.keys.messageIds, ref.keys.registry];
    if (this.scripts[name].numKeys === 4) keys.push(fieldKey(ref.keys, field));
    const defaultTtl = policy ? ttlArg(policy.defaultTtl) : "-1";
    try {
      return await this.evalScript(name, keys, [ref.keys.fieldBase, defaultTtl, field, ...args]);
    } catch (err) {
      throw this.mapError(err, ref, field);
    }
  }

  private readonly registry: RegistryBackend = {
    send: (args) => this.conn.send(args).catch((err: unknown) => Promise.reject(this.mapError(err))),
    runBucket: (name, bucket, args) =>
      this.evalScript(name, [bucket], args).catch((err: unknown) => Promise.reject(this.mapError(err))),
  };

  private mapError(err: unknown, ref?: ConversationRef, field = ""): unknown {
    if (!(err instanceof ErrorReply)) return err;
    const code = /CONVMEM_([A-Z]+)/.exec(err.message)?.[1];
    if (!ref || !code) return this.conn.storeError(err);
    switch (code) {
      case "WRONGTYPE":
        return wrongTypeError(ref, field);
      case "INDEX":
        return listIndexError(ref, field);
      case "RANGE":
        return incrRangeError(ref, field);
      default:
        return this.conn.storeError(err);
    }
  }

  async get(ref: ConversationRef, field: string): Promise<StoredValue | undefined> {
    return toStored(await this.run("get", ref, field, undefined, []));
  }

  async has(ref: ConversationRef, field: string): Promise<boolean> {
    return (await this.run("has", ref, field, undefined, [])) === 1;
  }

  async set(
    ref: ConversationRef,
    field: string,
    value: StoredValue,
    ttl: FieldTtl,
    policy: WritePolicy,
  ): Promise<void> {
    await this.run("set", ref, field, policy, [ttl === undefined ? "" : ttlArg(ttl), ...valueArgs(value)]);
  }

  async update(
    ref: ConversationRef,
    entries: ReadonlyArray<readonly [string, StoredValue]>,
    policy: WritePolicy,
  ): Promise<void> {
    const args: string[] = [];
    for (const [field, value] of entries) {
      const items = value.kind === "scalar" ? [value.raw] : value.items;
      args.push(field, value.kind === "scalar" ? "s" : "l", String(items.length), ...items);
    }
    await this.run("update", ref, "", policy, args);
  }

  async delete(ref: ConversationRef, field: string, policy: WritePolicy): Promise<boolean> {
    return (await this.run("delete", ref, field, policy, [])) === 1;
  }

  async keys(ref: ConversationRef): Promise<string[]> {
    return ((await this.run("fields", ref, "", undefined, ["keys"])) as unknown[]).map(String);
  }

  async items(ref: ConversationRef): Promise<Array<[string, StoredValue]>> {
    const flat = (await this.run("fields", ref, "", undefined, ["items"])) as unknown[];
    const out: Array<[string, StoredValue]> = [];
    for (let i = 0; i < flat.length; i += 2) {
      const value = toStored(flat[i + 1]);
      if (value) out.push([String(flat[i]), value]);
    }
    return out;
  }

  async incr(ref: ConversationRef, field: string, by: number, policy: WritePolicy): Promise<number> {
    return Number(await this.run("incr", ref, field, policy, [String(by)]));
  }

  async compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
    policy: WritePolicy,
  ): Promise<CasResult> {
    const exp =
      expected === undefined
        ? ["n", "0"]
        : expected.kind === "scalar"
          ? ["s", "1", expected.raw]
          : ["l", String(expected.items.length), ...expected.items];
    const reply = (await this.run("cas", ref, field, policy, [...exp, ...valueArgs(next)])) as unknown[];
    return reply[0] === 1 ? { ok: true } : { ok: false, current: toStored(reply[1]) };
  }

  async push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
    policy: WritePolicy,
  ): Promise<number> {
    return Number(
      await this.run("push", ref, field, policy, [
        maxLength === undefined ? "" : String(maxLength),
        ...items,
      ]),
    );
  }

  async pop(ref: ConversationRef, field: string, index: number, policy: WritePolicy): Promise<string> {
    return String(await this.run("pop", ref, field, policy, [String(index)]));
  }

  async insert(
    ref: ConversationRef,
    field: string,
    index: number,
    item: string,
    policy: WritePolicy,
  ): Promise<number> {
    return Number(await this.run("insert", ref, field, policy, [String(index), item]));
  }

  async removeAt(
    ref: ConversationRef,
    field: string,
    index: number,
    expected: string,
    length: number,
    policy: WritePolicy,
  ): Promise<boolean> {
    return (await this.run("remove", ref, field, policy, [String(index), expected, String(length)])) === 1;
  }

  async range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    const reply = await this.run("range", ref, field, undefined, [
      start === undefined ? "" : String(start),
      end === undefined ? "" : String(end),
    ]);
    return (reply as unknown[]).map(String);
  }

  async length(ref: ConversationRef, field: string): Promise<number> {
    return Number(await this.run("length", ref, field, undefined, []));
  }

  async addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
    policy: WritePolicy,
  ): Promise<AddMessageResult> {
    const reply = (await this.run("addmsg", ref, "messages", policy, [
      message.idJson,
      message.head,
      message.tail,
      maxMessages === undefined ? "" : String(maxMessages),
    ])) as unknown[];
    return reply[0] === 1
      ? { added: true, timestamp: Number(reply[1]) }
      : { added: false, raw: String(reply[1]) };
  }

  async setTtl(ref: ConversationRef, ttl: number | null, policy: WritePolicy): Promise<void> {
    await this.run("setttl", ref, "", policy, [ttlArg(ttl)]);
  }

  async getTtl(ref: ConversationRef): Promise<number | null | undefined> {
    const reply = await this.run("getttl", ref, "", undefined, []);
    if (reply === null || reply === undefined) return undefined;
    const ms = Number(reply);
    return ms === -1 ? null : ms;
  }

  async sizes(ref: ConversationRef): Promise<Array<[string, number]>> {
    const flat = (await this.run("fields", ref, "", undefined, ["sizes"])) as unknown[];
    const out: Array<[string, number]> = [];
    for (let i = 0; i < flat.length; i += 2) out.push([String(flat[i]), Number(flat[i + 1])]);
    return out;
  }

  async clear(ref: ConversationRef): Promise<number> {
    return Number(await this.run("clear", ref, "", undefined, ["fields"]));
  }

  async deleteConversation(ref: ConversationRef): Promise<number> {
    return Number(await this.run("clear", ref, "", undefined, ["all"]));
  }

  async serverTime(): Promise<number> {
    const [secs, micros] = (await this.registry.send(["TIME"])) as [string, string];
    return Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
  }

  listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage> {
    return listConversations(this.registry, keyPrefix, cursor, limit);
  }

  sweepExpired(keyPrefix: string, cutoff: number, cursor: number): Promise<SweepStep> {
    return sweepExpired(this.registry, keyPrefix, cutoff, cursor);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

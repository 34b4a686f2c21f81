/**
 * Running the Lua operations: the key and argument layout every conversation operation shares
 * (key names derived from the conversation and cached per `ConversationRef`), Redis 7
 * Functions (`FCALL`, the library loaded on demand on each server) with `EVAL`/`EVALSHA` as
 * the fallback where loading it is refused, durability (`WAIT` behind each write), and each
 * reply decoded (scripts.ts) or its failure classified (redis-errors.ts).
 */
import { type CallScope, callScope, countCall, within } from "../../call-scope.js";
import { StoreError, ValidationError } from "../../errors.js";
import { type ConversationKeys, conversationKeys, fieldKey, KeyedRef } from "../../keys.js";
import type { ConversationRef } from "../store.js";
import type { RedisConnection } from "./connection.js";
import { ReadBarrier } from "./read-barrier.js";
import {
  isFunctionMissing,
  isLibraryPresent,
  isNoScript,
  isRefused,
  isWrongType,
  toConvmemError,
} from "./redis-errors.js";
import { isErrorReply } from "./redis-module.js";
import {
  type BucketScript,
  type ConversationScript,
  type ReplyOf,
  SCRIPTS,
  type ScriptName,
  type Scripts,
} from "./scripts.js";
import { ttlArg } from "./wire.js";

/** Durability across failover: each write waits for `replicas` replicas to acknowledge it. */
export interface Durability {
  /** Replicas that must acknowledge a write before it resolves. */
  readonly replicas: number;
  /** How long Redis waits for them (`WAIT` timeout), ms. */
  readonly timeoutMs: number;
}

/** The `durability` option, checked against the store's `timeoutMs` (`undefined`: off). */
export function checkDurability(
  option: { replicas: number; timeoutMs?: number | undefined } | undefined,
  timeoutMs: number,
): Durability | undefined {
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

/** What a plain read's decoder returns when its reply does not answer: the script is sent. */
export const FALLBACK: unique symbol = Symbol("convmem.fallback");

/** What a call that gave up behind a plain read resolves to when released (nobody awaits it). */
const NOT_SENT: Promise<never> = Promise.reject(new Error("not sent"));
NOT_SENT.catch(() => {});

/** Runs the operations of one `RedisStore` over its connection. */
export class ScriptRunner {
  /**
   * Functions (`FCALL`) or scripts (`EVAL`/`EVALSHA`): Functions until a server refuses to
   * load the library (an ACL without `function|load`), then scripts for this connection.
   */
  private functions = true;
  /**
   * Servers this connection has seen run a library function (so they have the library).
   * Until then, a call to a server is sent right behind a `FUNCTION LOAD` on the same
   * connection (one round trip: Redis runs them in order), so no call ever has to be retried
   * and overtaken by a later one. Forgotten on any connection error and on a Sentinel
   * promotion; a server that lost the library (`FUNCTION FLUSH`, a new Cluster node) answers
   * "Function not found", and the call is loaded and sent again.
   */
  private readonly libraryOn = new Set<string>();
  /** `FUNCTION LOAD` under way per server: `true` once loaded, else the refusal. */
  private readonly loading = new Map<string, Promise<true | Error>>();
  /**
   * Scripts (the fallback) this connection has seen each server answer (so that server has
   * them cached), as `<node>\0<script>`. Until then a script is sent to a server with `EVAL`
   * rather than `EVALSHA`: a NOSCRIPT retry would let a later call on the same conversation
   * overtake it, and calls issued together must take effect in call order. Forgotten on any
   * connection error (a restarted Redis has lost them), on a Sentinel promotion, and on any
   * NOSCRIPT (a `SCRIPT FLUSH`). docs/architecture.md, "Call order", says what is left.
   */
  private readonly loaded = new Set<string>();
  /** Plain reads in flight and the calls waiting for them (see {@link ScriptRunner.read}). */
  private readonly barrier = new ReadBarrier();
  /** Plain reads, until the server refuses one (an ACL without `lrange`): then scripts. */
  private plainReads = true;
  /** Key names per conversation, derived once per `ConversationRef` (one per `getMemory`). */
  private readonly keyCache = new WeakMap<ConversationRef, ConversationKeys>();

  constructor(
    private readonly conn: RedisConnection,
    private readonly scripts: Scripts,
    private readonly durability: Durability | undefined,
  ) {
    conn.onServerChange(() => {
      this.loaded.clear();
      this.libraryOn.clear();
      this.loading.clear();
    });
  }

  /**
   * The conversation's key names (keys.ts builds them), kept on a {@link KeyedRef} (what
   * `getMemory` makes) or else in a WeakMap: a WeakMap entry per `getMemory` — one per turn —
   * slows every young-generation GC while the refs live (GC 27 -> 17 us per turn).
   */
  keysOf(ref: ConversationRef): ConversationKeys {
    if (ref instanceof KeyedRef) {
      if (ref.keys === undefined) ref.keys = conversationKeys(ref.prefix, ref.id);
      return ref.keys;
    }
    let keys = this.keyCache.get(ref);
    if (keys === undefined) {
      keys = conversationKeys(ref.prefix, ref.id);
      this.keyCache.set(ref, keys);
    }
    return keys;
  }

  /**
   * Runs a conversation operation on `field` ("" for none) of `ref` and decodes its reply.
   * KEYS: meta, message ids, registry bucket (and the field's key for 4-key operations); ARGV:
   * field base, default TTL (writes: the ref's; reads: `-1`), field, `args`. The reads of one
   * field (2 keys) send only meta and the field's key, and the field name. Failures come back
   * typed, naming the conversation and field. With durability on, a write resolves once
   * enough replicas have it.
   */
  run<N extends ConversationScript>(
    name: N,
    ref: ConversationRef,
    field: string,
    args: readonly string[],
  ): Promise<ReplyOf<N>> {
    const scope = callScope.current; // the calling operation, if someone listens (call-scope.ts)
    const meta = this.keysOf(ref).meta;
    if (this.barrier.holds(meta)) return this.behind(meta, () => this.runNow(scope, name, ref, field, args));
    return this.runNow(scope, name, ref, field, args);
  }

  /**
   * A read of one field as one plain command — `command(keys, fieldKey)` on the conversation's
   * keys, its reply decoded by `decode` — or, where it finds a value of another kind
   * (`WRONGTYPE`: `LRANGE` of the empty-history marker) or `decode` cannot answer from it
   * (returns {@link FALLBACK}), as the operation's script `name` (`args`) instead. Only for keys
   * whose physical expiry is exact (the history's, the liveness key's: `lua/write.lua`), so one
   * command on them is one atomic step that sees the field exactly as a script would.
   *
   * Call order: a call on the conversation made while a plain read is in flight waits until
   * that read has settled or sent its script, and is then sent in call order — so the script,
   * sent later than the plain command, still takes effect before every call made after the
   * read. Waiting calls are sent together when it settles, reads among them as scripts (so a
   * burst of calls costs two round trips, never one per read). Where the server refuses the
   * plain command (an ACL without `+lrange`), reads are scripts from then on.
   */
  read<N extends ConversationScript, R extends ReplyOf<N>>(
    name: N,
    ref: ConversationRef,
    field: string,
    args: readonly string[],
    command: (keys: ConversationKeys, key: string) => string[],
    decode: (reply: unknown) => R | typeof FALLBACK,
  ): Promise<ReplyOf<N>> {
    const scope = callScope.current;
    const k = this.keysOf(ref);
    const meta = k.meta;
    if (this.barrier.holds(meta)) return this.behind(meta, () => this.runNow(scope, name, ref, field, args));
    if (!this.plainReads) return this.runNow(scope, name, ref, field, args);
    const key = fieldKey(k, field);
    const args0 = command(k, key);
    this.barrier.enter(meta);
    return this.sent(scope, args0, key).then(
      (reply) => {
        const value = decode(reply);
        if (value === FALLBACK) {
          // Sent before the calls waiting behind this read are released.
          const script = this.runNow(scope, name, ref, field, args);
          this.barrier.release(meta);
          return script;
        }
        this.barrier.release(meta);
        return value;
      },
      (err: unknown) => {
        let script: Promise<ReplyOf<N>> | undefined;
        if (isWrongType(err)) {
          script = this.runNow(scope, name, ref, field, args);
        } else if (isRefused(err, (args0[0] as string).toLowerCase())) {
          this.plainReads = false;
          script = this.runNow(scope, name, ref, field, args);
        }
        this.barrier.release(meta);
        if (script !== undefined) return script;
        throw toConvmemError(err, this.conn.lastErrorMessage, ref, field);
      },
    );
  }

  /**
   * `send` once the plain read in flight on `meta` is released, within `timeoutMs` from now in
   * all: a call that gives up while waiting (the read stalled) is never sent after it.
   */
  private behind<T>(meta: string, send: () => Promise<T>): Promise<T> {
    let gaveUp = false;
    const waiting = this.conn.withinTimeout(this.barrier.behind(meta, () => (gaveUp ? NOT_SENT : send())));
    waiting.catch(() => {
      gaveUp = true;
    });
    return waiting;
  }

  /**
   * {@link ScriptRunner.run}, sent now: one call, its reply decoded, its failure typed. Never
   * throws synchronously (callers chain on the promise).
   */
  private runNow<N extends ConversationScript>(
    scope: CallScope | undefined,
    name: N,
    ref: ConversationRef,
    field: string,
    args: readonly string[],
  ): Promise<ReplyOf<N>> {
    const spec = SCRIPTS[name];
    let command: string[];
    try {
      command = this.fcall(name, ref, field, args);
    } catch (err) {
      return Promise.reject(toConvmemError(err, this.conn.lastErrorMessage, ref, field));
    }
    const fail = (err: unknown): never => {
      throw toConvmemError(err, this.conn.lastErrorMessage, ref, field);
    };
    const decode = (reply: unknown): ReplyOf<N> => {
      try {
        return spec.decode(reply) as ReplyOf<N>;
      } catch (err) {
        return fail(err);
      }
    };
    if (this.functions && !(spec.write && this.durability)) {
      // The common case, without an async frame per layer: the library is known to be on the
      // server, so the call goes as it is; "Function not found" (a FUNCTION FLUSH) loads it
      // and calls again (this.call's path).
      const key = command[3];
      const node = this.conn.nodeOf(key);
      if (this.libraryOn.has(node)) {
        return this.sent(scope, command, key).then(decode, (err: unknown) => {
          if (!isFunctionMissing(err)) return fail(err);
          this.libraryOn.delete(node);
          return this.loadAndCall(node, name, command, undefined, scope).then(decode, fail);
        });
      }
    }
    const reply =
      spec.write && this.durability
        ? this.durableWrite(name, command, this.durability, ref, field, scope)
        : this.call(name, command, undefined, scope);
    return reply.then(decode, fail);
  }

  /**
   * The `FCALL` of operation `name` on `field` of `ref`: the whole command in one array (the
   * script fallback rewrites its first two entries).
   */
  private fcall(
    name: ConversationScript,
    ref: ConversationRef,
    field: string,
    args: readonly string[],
  ): string[] {
    const spec = SCRIPTS[name];
    const k = this.keysOf(ref);
    const fn = this.scripts.ops[name].fn;
    let command: string[];
    if (spec.keys === 2) {
      command = ["FCALL", fn, "2", k.meta, fieldKey(k, field), field];
    } else if (spec.keys === 4) {
      const ttl = spec.write ? ttlArg(ref.defaultTtl) : "-1";
      command = [
        "FCALL",
        fn,
        "4",
        k.meta,
        k.messageIds,
        k.registry,
        fieldKey(k, field),
        k.fieldBase,
        ttl,
        field,
      ];
    } else {
      const ttl = spec.write ? ttlArg(ref.defaultTtl) : "-1";
      command = ["FCALL", fn, "3", k.meta, k.messageIds, k.registry, k.fieldBase, ttl, field];
    }
    for (const arg of args) command.push(arg);
    return command;
  }

  /** Runs a registry operation on one bucket and decodes its reply. */
  async runBucket<N extends BucketScript>(
    name: N,
    bucket: string,
    args: readonly string[],
  ): Promise<ReplyOf<N>> {
    const command = ["FCALL", this.scripts.ops[name].fn, "1", bucket, ...args];
    const scope = callScope.current;
    try {
      return SCRIPTS[name].decode(await this.call(name, command, undefined, scope)) as ReplyOf<N>;
    } catch (err) {
      throw toConvmemError(err, this.conn.lastErrorMessage);
    }
  }

  /** A plain command (the registry walk's `ZRANGE`, `TIME`), failures classified. */
  async send(args: readonly string[], key?: string): Promise<unknown> {
    try {
      return await this.sent(callScope.current, args, key);
    } catch (err) {
      throw toConvmemError(err, this.conn.lastErrorMessage);
    }
  }

  /**
   * This runner as the registry walk's backend (registry.ts): while someone listens, each call
   * the walk makes after its awaits still counts into the operation that started it.
   */
  scoped(): Pick<ScriptRunner, "send" | "runBucket"> {
    const scope = callScope.current;
    if (scope === undefined) return this;
    return {
      send: (args, key) => within(scope, () => this.send(args, key)),
      runBucket: (name, bucket, args) => within(scope, () => this.runBucket(name, bucket, args)),
    };
  }

  /**
   * The write, then `WAIT` on the same connection (issued back to back: one round trip). A
   * retry (NOSCRIPT, a lost library) runs after the first `WAIT`, so it is waited for again.
   */
  private async durableWrite(
    name: ScriptName,
    command: string[],
    durability: Durability,
    ref: ConversationRef,
    field: string,
    scope: CallScope | undefined,
  ): Promise<unknown> {
    const key = command[3];
    const wait = ["WAIT", String(durability.replicas), String(durability.timeoutMs)];
    let retried = false;
    const write = this.call(
      name,
      command,
      () => {
        retried = true;
      },
      scope,
    );
    const firstWait = this.sent(scope, wait, key);
    // Observed now: if the connection drops, both reject, and the write's error is the one to report.
    firstWait.catch(() => {});
    const reply = await write;
    const acked = Number(await (retried ? this.sent(scope, wait, key) : firstWait));
    if (acked < durability.replicas) {
      throw new StoreError(
        `write to field ${JSON.stringify(field)} of conversation ${JSON.stringify(ref.id)} reached ` +
          `${acked} of ${durability.replicas} replicas within ${durability.timeoutMs} ms; it may be lost on failover`,
      );
    }
    return reply;
  }

  /**
   * Runs operation `name` — `command` is its `FCALL` (`FCALL fn numkeys keys… args…`; the first
   * key routes it) — or, without Functions, its script.
   */
  private async call(
    name: ScriptName,
    command: string[],
    onRetry: (() => void) | undefined,
    scope: CallScope | undefined,
  ): Promise<unknown> {
    if (!this.functions) return this.evalScript(name, command, onRetry, scope);
    const key = command[3];
    const node = this.conn.nodeOf(key);
    if (!this.libraryOn.has(node)) return this.loadAndCall(node, name, command, onRetry, scope);
    try {
      return await this.sent(scope, command, key);
    } catch (err) {
      if (!isFunctionMissing(err)) throw err;
      this.libraryOn.delete(node);
      onRetry?.();
      return this.loadAndCall(node, name, command, onRetry, scope);
    }
  }

  /** `conn.send`, counted into the calling operation's scope when someone listens (call-scope.ts). */
  private sent(
    scope: CallScope | undefined,
    args: readonly string[],
    key: string | undefined,
  ): Promise<unknown> {
    if (scope !== undefined) countCall(scope, args);
    return this.conn.send(args, key);
  }

  /** Loads made for one call before giving up ("Function not found" each time: flushed again meanwhile). */
  private static readonly LOAD_ATTEMPTS = 3;

  /**
   * `FCALL` on a server not yet known to have the library, sent right behind its `FUNCTION
   * LOAD` (one per server at a time; calls made while it is under way queue behind it on the
   * same connection). Where Functions are refused (ACL: `fcall`, or `function|load` with the
   * library absent), this connection falls back to scripts.
   */
  private async loadAndCall(
    node: string,
    name: ScriptName,
    command: string[],
    onRetry: (() => void) | undefined,
    scope: CallScope | undefined,
    attempt = 1,
  ): Promise<unknown> {
    const key = command[3];
    let loading = this.loading.get(node);
    if (loading === undefined) {
      const { source } = this.scripts.library;
      loading = this.sent(scope, ["FUNCTION", "LOAD", source], key).then(
        () => true as const,
        (err: unknown) => (isLibraryPresent(err) ? (true as const) : (err as Error)),
      );
      this.loading.set(node, loading);
    }
    const reply = this.sent(scope, command, key);
    // Observed below, after the load settles: until then a rejection must not count as unhandled.
    reply.catch(() => {});
    const loaded = await loading;
    if (this.loading.get(node) === loading) this.loading.delete(node);
    try {
      const result = await reply;
      this.libraryOn.add(node);
      return result;
    } catch (err) {
      // Functions refused here: FCALL itself (ACL), or loading the library it needs.
      const refused =
        isRefused(err, "fcall") || (isFunctionMissing(err) && loaded !== true && isRefused(loaded));
      if (refused) {
        this.functions = false;
        onRetry?.();
        return this.evalScript(name, command, onRetry, scope);
      }
      if (isFunctionMissing(err) && loaded !== true) throw loaded; // why the library did not load
      if (isFunctionMissing(err) && attempt < ScriptRunner.LOAD_ATTEMPTS) {
        // Loaded, then gone before the call ran (a FUNCTION FLUSH in between): load again.
        onRetry?.();
        return this.loadAndCall(node, name, command, onRetry, scope, attempt + 1);
      }
      if (isErrorReply(err) && !isFunctionMissing(err)) this.libraryOn.add(node); // it ran, and raised
      throw err;
    }
  }

  /**
   * The script fallback: `EVAL` for a script this connection has not yet seen the target
   * server answer (which also caches it there), `EVALSHA` after; on NOSCRIPT (the server lost
   * it) `EVAL` again. Rewrites the head of `command` (never while node-redis holds it: only
   * before sending, or after its reply).
   */
  private async evalScript(
    name: ScriptName,
    command: string[],
    onRetry: (() => void) | undefined,
    scope: CallScope | undefined,
  ): Promise<unknown> {
    const script = this.scripts.ops[name];
    const key = command[3];
    const seen = `${this.conn.nodeOf(key)}\0${name}`;
    const as = (verb: "EVAL" | "EVALSHA") => {
      command[0] = verb;
      command[1] = verb === "EVAL" ? script.source : script.sha;
      return command;
    };
    if (!this.loaded.has(seen)) {
      try {
        const reply = await this.sent(scope, as("EVAL"), key);
        this.loaded.add(seen);
        return reply;
      } catch (err) {
        if (isErrorReply(err)) this.loaded.add(seen); // the script ran, and raised
        throw err;
      }
    }
    try {
      return await this.sent(scope, as("EVALSHA"), key);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      this.loaded.clear();
      onRetry?.();
      return await this.sent(scope, as("EVAL"), key);
    }
  }
}

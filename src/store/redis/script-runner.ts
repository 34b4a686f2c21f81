/**
 * Running the Lua scripts: the key and argument layout every conversation script shares (key
 * names derived from the conversation and cached per `ConversationRef`), `EVAL` until a server
 * has a script and `EVALSHA` after, durability (`WAIT` behind each write), and each script's
 * reply decoded (scripts.ts) or its failure classified (redis-errors.ts).
 */
import { ErrorReply } from "redis";
import { StoreError, ValidationError } from "../../errors.js";
import { type ConversationKeys, conversationKeys, fieldKey } from "../../keys.js";
import type { ConversationRef } from "../store.js";
import type { RedisConnection } from "./connection.js";
import { isNoScript, toConvmemError } from "./redis-errors.js";
import {
  type BucketScript,
  type ConversationScript,
  type ReplyOf,
  SCRIPTS,
  type Script,
  type ScriptName,
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

/** Runs the scripts of one `RedisStore` over its connection. */
export class ScriptRunner {
  /**
   * Scripts this connection has seen each server answer (so that server has them cached), as
   * `<node>\0<script>`. Until then a script is sent to a server with `EVAL` rather than
   * `EVALSHA`: a NOSCRIPT retry would let a later call on the same conversation overtake it,
   * and calls issued together must take effect in call order. Forgotten on any connection
   * error (a restarted Redis has lost them), on a Sentinel promotion, and on any NOSCRIPT (a
   * `SCRIPT FLUSH`). docs/architecture.md, "Call order", says what is left.
   */
  private readonly loaded = new Set<string>();
  /** Key names per conversation, derived once per `ConversationRef` (one per `getMemory`). */
  private readonly keyCache = new WeakMap<ConversationRef, ConversationKeys>();

  constructor(
    private readonly conn: RedisConnection,
    private readonly scripts: Record<ScriptName, Script>,
    private readonly durability: Durability | undefined,
  ) {
    conn.onServerChange(() => this.loaded.clear());
  }

  /** The conversation's key names (keys.ts builds them). */
  keysOf(ref: ConversationRef): ConversationKeys {
    let keys = this.keyCache.get(ref);
    if (keys === undefined) {
      keys = conversationKeys(ref.prefix, ref.id);
      this.keyCache.set(ref, keys);
    }
    return keys;
  }

  /**
   * Runs a conversation script on `field` ("" for none) of `ref` and decodes its reply. KEYS:
   * meta, message ids, registry bucket (and the field's key for 4-key scripts); ARGV: field
   * base, default TTL (writes: the ref's; reads: `-1`), field, `args`. Failures come back
   * typed, naming the conversation and field. With durability on, a write resolves once
   * enough replicas have it.
   */
  async run<N extends ConversationScript>(
    name: N,
    ref: ConversationRef,
    field: string,
    args: readonly string[],
  ): Promise<ReplyOf<N>> {
    const spec = SCRIPTS[name];
    const k = this.keysOf(ref);
    const keys = [k.meta, k.messageIds, k.registry];
    if (spec.keys === 4) keys.push(fieldKey(k, field));
    const argv = [k.fieldBase, spec.write ? ttlArg(ref.defaultTtl) : "-1", field, ...args];
    try {
      const reply =
        spec.write && this.durability
          ? await this.durableWrite(name, keys, argv, this.durability, ref, field)
          : await this.evalScript(name, keys, argv);
      return spec.decode(reply) as ReplyOf<N>;
    } catch (err) {
      throw toConvmemError(err, this.conn.lastErrorMessage, ref, field);
    }
  }

  /** Runs a registry script on one bucket and decodes its reply. */
  async runBucket<N extends BucketScript>(
    name: N,
    bucket: string,
    args: readonly string[],
  ): Promise<ReplyOf<N>> {
    try {
      return SCRIPTS[name].decode(await this.evalScript(name, [bucket], args)) as ReplyOf<N>;
    } catch (err) {
      throw toConvmemError(err, this.conn.lastErrorMessage);
    }
  }

  /** A plain command (the registry walk's `ZRANGE`, `TIME`), failures classified. */
  async send(args: readonly string[], key?: string): Promise<unknown> {
    try {
      return await this.conn.send(args, key);
    } catch (err) {
      throw toConvmemError(err, this.conn.lastErrorMessage);
    }
  }

  /**
   * The write, then `WAIT` on the same connection (issued back to back: one round trip). A
   * NOSCRIPT retry runs after the first `WAIT`, so it is waited for again.
   */
  private async durableWrite(
    name: ScriptName,
    keys: readonly string[],
    argv: readonly string[],
    durability: Durability,
    ref: ConversationRef,
    field: string,
  ): Promise<unknown> {
    const wait = ["WAIT", String(durability.replicas), String(durability.timeoutMs)];
    let retried = false;
    const write = this.evalScript(name, keys, argv, () => {
      retried = true;
    });
    const firstWait = this.conn.send(wait, keys[0]);
    // Observed now: if the connection drops, both reject, and the write's error is the one to report.
    firstWait.catch(() => {});
    const reply = await write;
    const acked = Number(await (retried ? this.conn.send(wait, keys[0]) : firstWait));
    if (acked < durability.replicas) {
      throw new StoreError(
        `write to field ${JSON.stringify(field)} of conversation ${JSON.stringify(ref.id)} reached ` +
          `${acked} of ${durability.replicas} replicas within ${durability.timeoutMs} ms; it may be lost on failover`,
      );
    }
    return reply;
  }

  /**
   * `EVAL` for a script this connection has not yet seen the target server answer (which also
   * caches it there), `EVALSHA` after; on NOSCRIPT (the server lost it) `EVAL` again.
   */
  private async evalScript(
    name: ScriptName,
    keys: readonly string[],
    args: readonly string[],
    onRetry?: () => void,
  ): Promise<unknown> {
    const script = this.scripts[name];
    const tail = [String(keys.length), ...keys, ...args];
    const seen = `${this.conn.nodeOf(keys[0])}\0${name}`;
    if (!this.loaded.has(seen)) {
      try {
        const reply = await this.conn.send(["EVAL", script.source, ...tail], keys[0]);
        this.loaded.add(seen);
        return reply;
      } catch (err) {
        if (err instanceof ErrorReply) this.loaded.add(seen); // the script ran, and raised
        throw err;
      }
    }
    try {
      return await this.conn.send(["EVALSHA", script.sha, ...tail], keys[0]);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      this.loaded.clear();
      onRetry?.();
      return await this.conn.send(["EVAL", script.source, ...tail], keys[0]);
    }
  }
}

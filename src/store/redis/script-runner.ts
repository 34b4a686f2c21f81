/**
 * Running the Lua scripts: `EVALSHA` with the `EVAL` fallback, the key and argument layout
 * every conversation script shares, and the one place where script error codes
 * (`CONVMEM_*`) and other Redis error replies map to the typed errors.
 */
import { ErrorReply } from "redis";
import { StoreError, ValidationError } from "../../errors.js";
import { fieldKey } from "../../keys.js";
import type { ConversationRef, WritePolicy } from "../store.js";
import { incrRangeError, listIndexError, wrongTypeError } from "../store.js";
import type { RedisConnection } from "./connection.js";
import type { RegistryBackend } from "./registry.js";
import type { Script, ScriptName } from "./scripts.js";
import { type Reply, ttlArg } from "./wire.js";

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

/** A durable write's script was not cached: `retry` is its EVAL, sent after the first WAIT. */
class NoScriptRetry extends Error {
  constructor(readonly retry: Promise<unknown>) {
    super("NOSCRIPT");
  }
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

  constructor(
    private readonly conn: RedisConnection,
    private readonly scripts: Record<ScriptName, Script>,
    private readonly durability: Durability | undefined,
  ) {
    conn.onServerChange(() => this.loaded.clear());
  }

  /**
   * Runs a conversation script. KEYS: meta, message ids, registry bucket (and the field's key
   * for 4-key scripts); ARGV: field base, default TTL (`-1` without a policy), field, `args`.
   * Errors come back typed, naming the conversation and field.
   */
  async run(
    name: ScriptName,
    ref: ConversationRef,
    field: string,
    policy: WritePolicy | undefined,
    args: readonly string[],
  ): Promise<Reply> {
    const keys = [ref.keys.meta, ref.keys.messageIds, ref.keys.registry];
    if (this.scripts[name].numKeys === 4) keys.push(fieldKey(ref.keys, field));
    const defaultTtl = policy ? ttlArg(policy.defaultTtl) : "-1";
    const argv = [ref.keys.fieldBase, defaultTtl, field, ...args];
    try {
      // Writes carry a policy; with durability on, WAIT follows the script on the same
      // connection (pipelined: still one round trip) and the write resolves only once enough
      // replicas have it.
      if (!policy || !this.durability) return await this.evalScript(name, keys, argv);
      return await this.durableWrite(name, keys, argv, this.durability, ref, field);
    } catch (err) {
      throw this.mapError(err, ref, field);
    }
  }

  private async durableWrite(
    name: ScriptName,
    keys: readonly string[],
    argv: readonly string[],
    durability: Durability,
    ref: ConversationRef,
    field: string,
  ): Promise<Reply> {
    const wait = ["WAIT", String(durability.replicas), String(durability.timeoutMs)];
    // Issued back to back, so WAIT follows the write on the same connection.
    const write = this.evalScript(name, keys, argv, true);
    let waited = this.conn.send(wait, keys[0]);
    // Observed now: if the connection drops, both reject, and the write's error is the one to report.
    waited.catch(() => {});
    let retried = false;
    const reply = await write.catch((err: unknown) => {
      if (!(err instanceof NoScriptRetry)) throw err;
      retried = true;
      return err.retry;
    });
    // A NOSCRIPT retry ran after the first WAIT: wait again, behind it.
    if (retried) waited = this.conn.send(wait, keys[0]);
    const acked = Number(await waited);
    if (acked < durability.replicas) {
      throw new StoreError(
        `write to field ${JSON.stringify(field)} of conversation ${JSON.stringify(ref.id)} reached ` +
          `${acked} of ${durability.replicas} replicas within ${durability.timeoutMs} ms; it may be lost on failover`,
      );
    }
    return reply;
  }

  /** Plain commands and registry-bucket scripts, for the registry walk (and `TIME`). */
  readonly registry: RegistryBackend = {
    send: (args, key) =>
      this.conn.send(args, key).catch((err: unknown) => Promise.reject(this.mapError(err))),
    runBucket: (name, bucket, args) =>
      this.evalScript(name, [bucket], args).catch((err: unknown) => Promise.reject(this.mapError(err))),
  };

  /**
   * EVALSHA, falling back to EVAL (which caches the script) when Redis lost it; EVAL right
   * away for a script not yet seen loaded on this connection.
   */
  private async evalScript(
    name: ScriptName,
    keys: readonly string[],
    args: readonly string[],
    durable = false,
  ): Promise<Reply> {
    const script: Script = this.scripts[name];
    const tail = [String(keys.length), ...keys, ...args];
    const seen = `${this.conn.nodeOf(keys[0])}\0${name}`;
    if (!this.loaded.has(seen)) {
      let reply: Reply;
      try {
        reply = await this.conn.send(["EVAL", script.source, ...tail], keys[0]);
      } catch (err) {
        if (err instanceof ErrorReply) this.loaded.add(seen); // the script ran, and raised
        throw err;
      }
      this.loaded.add(seen);
      return reply;
    }
    try {
      return await this.conn.send(["EVALSHA", script.sha, ...tail], keys[0]);
    } catch (err) {
      if (!(err instanceof ErrorReply) || !err.message.startsWith("NOSCRIPT")) throw err;
      this.loaded.clear();
      const retry = this.conn.send(["EVAL", script.source, ...tail], keys[0]);
      if (!durable) return await retry;
      retry.catch(() => {});
      throw new NoScriptRetry(retry);
    }
  }

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
}

/**
 * Owns (or borrows) the node-redis client: connects lazily, bounds every wait by `timeoutMs`,
 * and turns transport failures into {@link StoreUnavailableError} and Redis error replies
 * into {@link StoreError}. Secrets never reach a message.
 */
import { ErrorReply } from "redis";
import {
  ConvmemError,
  redactSecrets,
  StoreError,
  StoreUnavailableError,
  ValidationError,
} from "../../errors.js";
import { DeadlineWatch } from "./deadline.js";
import { createTransport, type RedisInput, type Transport } from "./transport.js";

export type { RedisClientLike, RedisClusterLike, RedisInput } from "./transport.js";

/** Error replies of a Redis that is up but cannot serve yet; the command was not run. */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** Default bound, in ms, on any operation's wait when Redis is unreachable or stalled. */
export const DEFAULT_TIMEOUT_MS = 5000;

function messageOf(err: unknown): string {
  return redactSecrets(err instanceof Error ? err.message || err.name : String(err)).trim();
}

/** A connection to Redis (standalone or Cluster), or to a client given by the caller. */
export class RedisConnection {
  private readonly transport: Transport;
  private readonly watch: DeadlineWatch;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private lastError = "";

  constructor(
    input: RedisInput,
    private readonly timeoutMs: number,
  ) {
    this.watch = new DeadlineWatch(
      timeoutMs,
      () =>
        new StoreUnavailableError(
          `Redis did not answer within ${timeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ""}`,
        ),
    );
    try {
      this.transport = createTransport(input, timeoutMs);
    } catch (err) {
      if (err instanceof ConvmemError) throw err;
      // No `cause`: a URL parse error carries the whole URL, password included, as `input`.
      throw new ValidationError(`invalid Redis connection options: ${messageOf(err)}`);
    }
    // Without a listener, node-redis re-throws socket errors as uncaught 'error' events.
    this.transport.onError((err) => {
      this.lastError = messageOf(err);
    });
    // The last error explains failures only until the connection is back.
    this.transport.onReady(() => {
      this.lastError = "";
    });
  }

  /**
   * Calls `listener` whenever the servers behind this connection may have changed or lost
   * state: every connection error (a disconnect, a failed reconnect, …) and every Sentinel
   * topology change (a promotion).
   */
  onServerChange(listener: () => void): void {
    this.transport.onError(listener);
    this.transport.onTopologyChange(listener);
  }

  /** Which server a command on `key` goes to now ("" when there is one at a time). */
  nodeOf(key: string | undefined): string {
    return this.transport.nodeOf(key);
  }

  /**
   * Sends one command, routed by `key` on Cluster; the reply, or a typed error. Redis error
   * replies come back as ErrorReply (the script runner maps them) unless `onErrorReply` maps
   * them: its result becomes the reply, or what it throws the error. Not `async`, and the
   * command is handed to the client synchronously when connected, so calls made without
   * awaiting in between reach Redis in call order.
   */
  send(args: readonly string[], key?: string, onErrorReply?: (err: ErrorReply) => unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the memory manager is closed"));
    if (!this.transport.isReady) return this.connect().then(() => this.issue(args, key, onErrorReply));
    return this.issue(args, key, onErrorReply);
  }

  private issue(
    args: readonly string[],
    key: string | undefined,
    onErrorReply: ((err: ErrorReply) => unknown) | undefined,
  ): Promise<unknown> {
    return this.watch.bound(this.transport.send(args, key), this.failed, onErrorReply);
  }

  /** A command's failure: `onErrorReply` (the caller's) maps error replies, the rest is translated. */
  private readonly failed = (err: unknown, onErrorReply?: (err: ErrorReply) => unknown): unknown => {
    if (onErrorReply && err instanceof ErrorReply) return onErrorReply(err);
    throw this.translate(err);
  };

  /**
   * Maps any non-script failure to a convmem error (ErrorReply is passed through for scripts).
   * The last connection error is added, so "the client is offline" says why it is.
   */
  translate(err: unknown): unknown {
    if (err instanceof ConvmemError || err instanceof ErrorReply) return err;
    const message = messageOf(err);
    const why = this.lastError && !message.includes(this.lastError) ? ` (last error: ${this.lastError})` : "";
    return new StoreUnavailableError(`Redis unavailable: ${message}${why}`, { cause: err });
  }

  /**
   * Wraps an unexpected Redis error reply; an ACL refusal says what to look at. A Redis that
   * cannot serve yet (loading its dataset after a restart, busy with a long script, a replica
   * without its master) is unavailable, not in error: the command was not run.
   */
  storeError(err: ErrorReply): StoreError | StoreUnavailableError {
    const message = messageOf(err);
    if (TRANSIENT.test(message))
      return new StoreUnavailableError(`Redis unavailable: ${message}`, { cause: err });
    const hint = /NOPERM|can't run this command/.test(message)
      ? ' (the Redis user lacks a permission convmem needs: see "Minimal Redis ACL" in the README)'
      : "";
    return new StoreError(`Redis error: ${message}${hint}`, { cause: err });
  }

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting; // first connection under way: wait for it
    if (this.transport.isOpen) return Promise.resolve(); // reconnecting: fail fast in send()
    this.connecting = this.watch.bound(this.transport.connect()).then(
      () => {
        this.connecting = undefined;
        this.lastError = "";
      },
      (err: unknown) => {
        this.connecting = undefined;
        if (err instanceof ErrorReply) throw this.storeError(err);
        throw this.translate(err);
      },
    );
    return this.connecting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.stop(new StoreUnavailableError("the memory manager was closed"));
    if (!this.transport.owned) return;
    if (!this.transport.isReady) {
      if (this.transport.isOpen) this.transport.destroy();
      return;
    }
    // A graceful close waits for replies; bounded like everything else, then the socket goes.
    const closing = this.transport.close().then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
      timer.unref();
    });
    const closed = await Promise.race([closing, late]);
    clearTimeout(timer);
    if (!closed) this.transport.destroy();
  }
}

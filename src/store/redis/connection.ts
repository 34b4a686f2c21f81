/**
 * Owns (or borrows) the node-redis client: connects lazily, bounds every wait by `timeoutMs`,
 * and turns transport failures into {@link StoreUnavailableError} (redis-errors.ts classifies
 * every failure). Secrets never reach a message.
 */
import { ErrorReply } from "redis";
import { ConvmemError, StoreUnavailableError, ValidationError } from "../../errors.js";
import { DeadlineWatch } from "./deadline.js";
import { messageOf, toConvmemError } from "./redis-errors.js";
import { createTransport, type RedisInput, type Transport } from "./transport.js";

export type { RedisClientLike, RedisClusterLike, RedisInput } from "./transport.js";

/** Default bound, in ms, on any operation's wait when Redis is unreachable or stalled. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** A connection to Redis (standalone or Cluster), or to a client given by the caller. */
export class RedisConnection {
  private readonly transport: Transport;
  private readonly watch: DeadlineWatch;
  private connecting: Promise<void> | undefined;
  /** The client's own connection attempt, settled either way (never rejects). */
  private attempt: Promise<void> | undefined;
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
   * Sends one command, routed by `key` on Cluster: the reply, or a rejection with the Redis
   * error reply as it is (`ErrorReply`: the caller classifies it with redis-errors.ts) or a
   * transport failure as {@link StoreUnavailableError}. Not `async`, and the command is handed
   * to the client synchronously when connected, so calls made without awaiting in between
   * reach Redis in call order.
   */
  send(args: readonly string[], key?: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the memory manager is closed"));
    if (!this.transport.isReady) return this.connect().then(() => this.issue(args, key));
    return this.issue(args, key);
  }

  /** Why the client is offline, if a connection error said so (redacted). */
  get lastErrorMessage(): string {
    return this.lastError;
  }

  private issue(args: readonly string[], key: string | undefined): Promise<unknown> {
    return this.watch.bound(this.transport.send(args, key), this.failed);
  }

  /** A command's failure: error replies pass as they are, the rest is translated. */
  private readonly failed = (err: unknown): unknown => {
    throw err instanceof ErrorReply ? err : toConvmemError(err, this.lastError);
  };

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting; // first connection under way: wait for it
    if (this.transport.isOpen) return Promise.resolve(); // reconnecting: fail fast in send()
    const raw = this.transport.connect();
    this.attempt = raw.then(
      () => {},
      () => {},
    );
    this.connecting = this.watch.bound(raw).then(
      () => {
        this.connecting = undefined;
        this.lastError = "";
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw toConvmemError(err, this.lastError);
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
      // A connection attempt under way may still open its socket after that destroy(): when it
      // settles, destroy what it opened, so no socket outlives close().
      void this.attempt?.then(() => {
        if (this.transport.isOpen || this.transport.isReady) this.transport.destroy();
      });
      return;
    }
    // A graceful close waits for replies; bounded like everything else, then the socket goes.
    const closing = this.transport.close().then(
      () => true,
      () => false,
    );
    if (!(await this.bounded(closing))) this.transport.destroy();
  }

  /** `promise`'s result, or false after `timeoutMs`. */
  private async bounded(promise: Promise<boolean>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([promise, late]);
    clearTimeout(timer);
    return result;
  }
}

/**
 * Owns (or borrows) the node-redis client: connects lazily, bounds every wait by `timeoutMs`,
 * and turns transport failures into {@link StoreUnavailableError} (redis-errors.ts classifies
 * every failure). Secrets never reach a message.
 */
import type { ErrorReply } from "redis";
import {
  ClosedError,
  ConvmemError,
  StoreError,
  StoreUnavailableError,
  ValidationError,
} from "../../errors.js";
import { DeadlineWatch } from "./deadline.js";
import { messageOf, storeError, toConvmemError } from "./redis-errors.js";
import { isErrorReply } from "./redis-module.js";
import { createTransport, type RedisInput, type Transport } from "./transport.js";

export type { RedisClientLike, RedisClusterLike, RedisInput } from "./transport.js";

/** Default bound, in ms, on any operation's wait when Redis is unreachable or stalled. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** The Redis convmem uses when given none. */
export const DEFAULT_REDIS_URL = "redis://localhost:6379";

/** What a refused connection to the default URL adds: where to say which Redis to use. */
const DEFAULT_URL_HINT =
  ` (nothing accepts connections at ${DEFAULT_REDIS_URL}, the default: pass the \`redis\` option, ` +
  'e.g. createMemoryManager({ redis: "redis://host:6379" }), or set CONVMEM_REDIS_URL; for the CLI, --url)';

/**
 * True for an error reply to the connection's own handshake (`SELECT` of a database the server
 * does not have: "ERR DB index is out of range", …): Redis answered, and reconnecting cannot
 * change its answer. Authentication replies (WRONGPASS, NOAUTH) keep their own handling.
 */
function isHandshakeRefusal(err: unknown): err is ErrorReply {
  // Only replies that name the handshake: an error event can also carry a command's reply
  // (a CONVMEM_ error of a Cluster node's call), which must reach its caller as it is.
  return isErrorReply(err) && /^ERR .*(DB index|SELECT|HELLO|AUTH|CLIENT)/i.test(err.message);
}

/** A connection to Redis (standalone or Cluster), or to a client given by the caller. */
export class RedisConnection {
  private readonly transport: Transport;
  private readonly watch: DeadlineWatch;
  private connecting: Promise<void> | undefined;
  /** The client's own connection attempt, settled either way (never rejects). */
  private attempt: Promise<void> | undefined;
  private closed = false;
  private lastError = "";
  /** Rejects the connection attempt under way (a handshake refusal). */
  private abortConnect: ((err: unknown) => void) | undefined;

  /** @param defaultUrl - `input` is the default URL (nobody said which Redis): refusals hint at how to. */
  constructor(
    input: RedisInput,
    private readonly timeoutMs: number,
    private readonly defaultUrl = false,
  ) {
    this.watch = new DeadlineWatch(
      timeoutMs,
      () =>
        this.hinted(
          new StoreUnavailableError(
            `Redis did not answer within ${timeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ""}`,
          ),
        ) as Error,
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
      if (isHandshakeRefusal(err)) this.abortConnect?.(err);
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
    if (this.closed) return Promise.reject(new ClosedError());
    if (!this.transport.isReady) return this.connect().then(() => this.issue(args, key));
    return this.issue(args, key);
  }

  /** Why the client is offline, if a connection error said so (redacted). */
  get lastErrorMessage(): string {
    return this.lastError;
  }

  /**
   * Bounds `promise` by `timeoutMs` from now, like a command: for a call that waits before it is
   * sent (behind a plain read), so its whole wait stays within `timeoutMs`.
   */
  withinTimeout<T>(promise: Promise<T>): Promise<T> {
    return this.watch.bound(promise);
  }

  private issue(args: readonly string[], key: string | undefined): Promise<unknown> {
    return this.watch.bound(this.transport.send(args, key), this.failed);
  }

  /** A command's failure: error replies pass as they are, the rest is translated. */
  private readonly failed = (err: unknown): unknown => {
    throw isErrorReply(err) ? err : this.hinted(toConvmemError(err, this.lastError));
  };

  /** `err`, with a hint at the `redis` option when the default URL refused the connection. */
  private hinted(err: unknown): unknown {
    if (!this.defaultUrl || !(err instanceof StoreUnavailableError)) return err;
    if (err.message.endsWith(DEFAULT_URL_HINT)) return err;
    if (!/ECONNREFUSED/.test(`${err.message} ${this.lastError}`)) return err;
    return new StoreUnavailableError(`${err.message}${DEFAULT_URL_HINT}`, { cause: err.cause });
  }

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting; // first connection under way: wait for it
    if (this.transport.isOpen) return Promise.resolve(); // reconnecting: fail fast in send()
    const raw = this.transport.connect();
    this.attempt = raw.then(
      () => {},
      () => {},
    );
    // Redis may refuse the handshake itself (a database number it does not have): that is its
    // answer, reported at once as a StoreError, not as a wait until timeoutMs.
    const refused = new Promise<never>((_resolve, reject) => {
      this.abortConnect = reject;
    });
    this.connecting = this.watch.bound(Promise.race([raw, refused])).then(
      () => {
        this.connecting = this.abortConnect = undefined;
        this.lastError = "";
      },
      (err: unknown) => {
        this.connecting = this.abortConnect = undefined;
        if (isHandshakeRefusal(err)) {
          // Stop the client's reconnection loop; the next call connects (and asks) again.
          if (this.transport.isOpen) this.transport.destroy();
          const answer = storeError(err);
          if (!/DB index/.test(err.message)) throw answer;
          throw new StoreError(
            `${answer.message} (the database number in the Redis URL, redis://host:port/<db>, is beyond the server's \`databases\` setting)`,
            { cause: err },
          );
        }
        throw this.hinted(toConvmemError(err, this.lastError));
      },
    );
    return this.connecting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Calls still waiting for Redis end now, with ClosedError: they may or may not have run.
    this.watch.stop(
      new ClosedError(
        "the memory manager was closed while this call waited for Redis; it may or may not have run",
      ),
    );
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

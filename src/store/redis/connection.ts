/**
 * Owns (or borrows) the node-redis client: connects lazily, bounds every wait by `timeoutMs`,
 * and turns transport failures into {@link StoreUnavailableError} and Redis error replies
 * into {@link StoreError}. Secrets never reach a message.
 */
import { ErrorReply } from "redis";
import { ConvmemError, redactSecrets, StoreError, StoreUnavailableError } from "../../errors.js";
import { DeadlineWatch } from "./deadline.js";
import { createTransport, type RedisInput, type Transport } from "./transport.js";

export type { RedisClientLike, RedisClusterLike, RedisInput } from "./transport.js";

/** Default bound, in ms, on any operation's wait when Redis is unreachable or stalled. */
export const DEFAULT_TIMEOUT_MS = 5000;

function messageOf(err: unknown): string {
  return redactSecrets(err instanceof Error ? err.message || err.name : String(err));
}

/** A connection to Redis (standalone or Cluster), or to a client given by the caller. */
export class RedisConnection {
  private readonly transport: Transport;
  private readonly watch: DeadlineWatch;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private lastError = "";

  constructor(input: RedisInput, timeoutMs: number) {
    this.watch = new DeadlineWatch(
      timeoutMs,
      () =>
        new StoreUnavailableError(
          `Redis did not answer within ${timeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ""}`,
        ),
    );
    this.transport = createTransport(input, timeoutMs);
    // Without a listener, node-redis re-throws socket errors as uncaught 'error' events.
    this.transport.onError((err) => {
      this.lastError = messageOf(err);
    });
  }

  /**
   * Sends one command, routed by `key` on Cluster; the reply, or a typed error. Redis error
   * replies come back as ErrorReply (the script runner maps them).
   */
  async send(args: readonly string[], key?: string): Promise<unknown> {
    if (this.closed) throw new StoreUnavailableError("the memory manager is closed");
    if (!this.transport.isReady) await this.connect();
    try {
      return await this.watch.bound(this.transport.send(args, key));
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** Maps any non-script failure to a convmem error (ErrorReply is passed through for scripts). */
  translate(err: unknown): unknown {
    if (err instanceof ConvmemError || err instanceof ErrorReply) return err;
    return new StoreUnavailableError(`Redis unavailable: ${messageOf(err)}`, { cause: err });
  }

  /** Wraps an unexpected Redis error reply. */
  storeError(err: ErrorReply): StoreError {
    return new StoreError(`Redis error: ${messageOf(err)}`, { cause: err });
  }

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting; // first connection under way: wait for it
    if (this.transport.isOpen) return Promise.resolve(); // reconnecting: fail fast in send()
    this.connecting = this.watch.bound(this.transport.connect()).then(
      () => {
        this.connecting = undefined;
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
    try {
      await this.transport.close();
    } catch {
      this.transport.destroy();
    }
  }
}

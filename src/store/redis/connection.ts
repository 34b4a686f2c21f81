/**
 * Owns (or borrows) the node-redis client: connects lazily, bounds every wait by `timeoutMs`,
 * and turns transport failures into {@link StoreUnavailableError} and Redis error replies
 * into {@link StoreError}. Secrets never reach a message.
 */
import { createClient, ErrorReply, type RedisClientOptions } from "redis";
import { ConvmemError, redactSecrets, StoreError, StoreUnavailableError } from "../../errors.js";
import { DeadlineWatch } from "./deadline.js";

/** The part of a node-redis client (standalone) that convmem uses. */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly string[]): Promise<unknown>;
  on(event: "error", listener: (err: unknown) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): unknown;
}

/** A URL, node-redis client options, or an existing client (which convmem never closes). */
export type RedisInput = string | RedisClientOptions | RedisClientLike;

/** Default bound, in ms, on any operation's wait when Redis is unreachable or stalled. */
export const DEFAULT_TIMEOUT_MS = 5000;

function isClient(input: RedisInput): input is RedisClientLike {
  return (
    typeof input === "object" &&
    input !== null &&
    typeof (input as RedisClientLike).sendCommand === "function"
  );
}

function messageOf(err: unknown): string {
  return redactSecrets(err instanceof Error ? err.message || err.name : String(err));
}

/** A connection to one standalone Redis (or a client given by the caller). */
export class RedisConnection {
  private readonly client: RedisClientLike;
  private readonly owned: boolean;
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
    if (isClient(input)) {
      this.client = input;
      this.owned = false;
    } else {
      const options: RedisClientOptions = typeof input === "string" ? { url: input } : { ...input };
      this.client = createClient({
        ...options,
        disableOfflineQueue: true,
        commandOptions: { timeout: 0, ...options.commandOptions },
        socket: {
          connectTimeout: timeoutMs,
          reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
          ...options.socket,
        },
      } as RedisClientOptions) as unknown as RedisClientLike;
      this.owned = true;
    }
    // Without a listener, node-redis re-throws socket errors as uncaught 'error' events.
    this.client.on("error", (err) => {
      this.lastError = messageOf(err);
    });
  }

  /** Sends one command; the reply, or a typed error. Redis error replies come back as ErrorReply. */
  async send(args: readonly string[]): Promise<unknown> {
    if (this.closed) throw new StoreUnavailableError("the memory manager is closed");
    if (!this.client.isReady) await this.connect();
    try {
      return await this.watch.bound(this.client.sendCommand(args));
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
    if (this.client.isOpen) return Promise.resolve(); // reconnecting: fail fast in send()
    this.connecting = this.watch.bound(this.client.connect()).then(
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
    if (!this.owned) return;
    if (!this.client.isReady) {
      if (this.client.isOpen) this.client.destroy?.();
      return;
    }
    try {
      if (this.client.close) await this.client.close();
      else if (this.client.quit) await this.client.quit();
    } catch {
      this.client.destroy?.();
    }
  }
}

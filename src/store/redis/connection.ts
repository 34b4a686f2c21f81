/**
 * Owns (or borrows) the node-redis client: connects lazily, bounds every wait by `timeoutMs`,
 * and turns transport failures into {@link StoreUnavailableError} and Redis error replies
 * into {@link StoreError}. Secrets never reach a message.
 */
import { createClient, ErrorReply, type RedisClientOptions } from "redis";
import {
  ConvmemError,
  redactSecrets,
  StoreError,
  StoreUnavailableError,
  ValidationError,
} from "../../errors.js";
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

/** Error replies of a Redis that is up but cannot serve yet; the command was not run. */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

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
  return redactSecrets(err instanceof Error ? err.message || err.name : String(err)).trim();
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
      try {
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
      } catch (err) {
        // No `cause`: a URL parse error carries the whole URL, password included, as `input`.
        throw new ValidationError(`invalid Redis connection options: ${messageOf(err)}`);
      }
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
      const reply = await this.watch.bound(this.client.sendCommand(args));
      this.lastError = "";
      return reply;
    } catch (err) {
      throw this.translate(err);
    }
  }

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

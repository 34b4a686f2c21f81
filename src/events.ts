/**
 * Operation events: what `manager.on("operation", listener)` reports, one event per public
 * call once it settles. Free when nobody listens: every call checks one boolean and takes no
 * timestamp and allocates nothing more unless a listener is registered.
 */
import { ConvmemError, type ErrorCode } from "./errors.js";

/** The public methods an {@link OperationEvent} can report. */
export type OperationName =
  // ConversationMemory
  | "get"
  | "require"
  | "set"
  | "update"
  | "has"
  | "delete"
  | "keys"
  | "items"
  | "incr"
  | "modify"
  | "append"
  | "extend"
  | "pop"
  | "insert"
  | "remove"
  | "getList"
  | "listLength"
  | "addMessage"
  | "getMessages"
  | "getMessageCount"
  | "updateMessage"
  | "deleteMessage"
  | "compactMessages"
  | "setTtl"
  | "getTtl"
  | "clearAll"
  | "getMemorySize"
  // MemoryManager
  | "cleanupConversation"
  | "conversations"
  | "listConversations"
  | "getStats"
  | "cleanupExpiredConversations";

/**
 * One settled public operation, as given to `manager.on("operation", listener)`.
 *
 * @example
 * ```ts
 * manager.on("operation", (e) => {
 *   if (e.outcome === "error") console.warn(`${e.operation} on ${e.conversationId}: ${e.code}`);
 *   histogram.record(e.durationMs, { operation: e.operation });
 * });
 * ```
 */
export interface OperationEvent {
  /** The public method name, e.g. `"set"`, `"getMessages"`, `"cleanupConversation"`. */
  readonly operation: OperationName;
  /** The conversation it was on; undefined for manager-wide operations (`getStats`, …). */
  readonly conversationId: string | undefined;
  /** Wall time from the call to its settlement, in ms (`performance.now()`), waits included. */
  readonly durationMs: number;
  /** Whether the call resolved or rejected. */
  readonly outcome: "ok" | "error";
  /** The rejection's {@link ErrorCode}; undefined when ok or when not a convmem error (e.g. your `modify` updater threw). */
  readonly code?: ErrorCode | undefined;
  /** `modify`/`remove` only: attempts beyond the first (compare-and-set lost to another writer). */
  readonly retries?: number | undefined;
}

/** A listener of `manager.on("operation", …)`. It must not throw (if it does, the error is ignored). */
export type OperationListener = (event: OperationEvent) => void;

/** The event names of `manager.on`/`off`. */
export type ManagerEventName = "operation";

/** @internal Where `modify`/`remove` count their attempts when someone listens. */
export interface AttemptCount {
  retries: number;
}

/** @internal The listeners of one manager. */
export class OperationEvents {
  /** True while at least one listener is registered: the only thing checked on the hot path. */
  listening = false;
  private listeners: readonly OperationListener[] = [];
  private warned = false;

  add(listener: OperationListener): void {
    if (this.listeners.includes(listener)) return;
    this.listeners = [...this.listeners, listener];
    this.listening = true;
  }

  remove(listener: OperationListener): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
    this.listening = this.listeners.length > 0;
  }

  /** Reports a settled call to every listener; a throwing (or rejecting) listener is ignored. */
  emit(event: OperationEvent): void {
    for (const listener of this.listeners) {
      try {
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch((err: unknown) => this.warn(err));
      } catch (err) {
        this.warn(err);
      }
    }
  }

  /**
   * Times `promise` (started at `start`, from `performance.now()`) and reports it once it
   * settles, before the caller sees the result. Only called while {@link listening}.
   */
  track<T>(
    operation: OperationName,
    conversationId: string | undefined,
    start: number,
    promise: Promise<T>,
    attempts?: AttemptCount,
  ): Promise<T> {
    return promise.then(
      (value) => {
        this.emit(settledEvent(operation, conversationId, start, false, undefined, attempts));
        return value;
      },
      (err: unknown) => {
        this.emit(settledEvent(operation, conversationId, start, true, err, attempts));
        throw err;
      },
    );
  }

  /** One warning per manager, so a broken listener is visible but never floods the log. */
  private warn(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const detail = err instanceof Error ? err.message : String(err);
    process.emitWarning(`a convmem "operation" listener threw (ignored; warned once): ${detail}`, {
      code: "CONVMEM_LISTENER",
    });
  }
}

function settledEvent(
  operation: OperationName,
  conversationId: string | undefined,
  start: number,
  failed: boolean,
  err: unknown,
  attempts: AttemptCount | undefined,
): OperationEvent {
  const durationMs = performance.now() - start;
  return {
    operation,
    conversationId,
    durationMs,
    outcome: failed ? "error" : "ok",
    ...(failed && err instanceof ConvmemError ? { code: err.code } : {}),
    ...(attempts === undefined ? {} : { retries: attempts.retries }),
  };
}

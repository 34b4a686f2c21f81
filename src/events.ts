/**
 * Operation events: what `manager.on("operation", listener)` reports, one event per public
 * call once it settles. Free when nobody listens: every call checks one boolean and takes no
 * timestamp and allocates nothing more unless a listener is registered. What an operation did
 * on the way (Redis commands, records) is gathered in a {@link CallScope} (call-scope.ts).
 */
import type { CallScope, MemoryRecord, RedisCalls } from "./call-scope.js";
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
  | "mapGet"
  | "mapGetMany"
  | "mapSet"
  | "mapDelete"
  | "mapKeys"
  | "mapSize"
  | "getMany"
  | "batch"
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
  /**
   * The Redis commands the call sent, by kind (`RedisCallKind`): `{ fcall: 1 }` for most calls,
   * `{ fcall: 2 }` for a `modify` that read then wrote (more under contention), plus
   * `function_load` when the library was loaded behind it, `eval`/`evalsha` on the script
   * fallback, `wait` with durability, `zrange`/`time` for the registry walks. Empty (`{}`) on
   * a store other than `RedisStore`, and when the call failed before sending anything.
   */
  readonly calls: RedisCalls;
  /**
   * `cleanupConversation`: the fields removed; `cleanupExpiredConversations`: the conversations
   * removed (0 on a dry run). Absent for other operations and on error.
   */
  readonly removed?: number | undefined;
  /**
   * Only for a listener added with `{ content: true }`: the records the call wrote or read,
   * values included (see {@link MemoryRecord}). Absent for every other listener.
   */
  readonly records?: readonly MemoryRecord[] | undefined;
}

/** A listener of `manager.on("operation", …)`. It must not throw (if it does, the error is ignored). */
export type OperationListener = (event: OperationEvent) => void;

/** The event names of `manager.on`/`off`. */
export type ManagerEventName = "operation";

/** Options of `manager.on("operation", listener, options)`. */
export interface OperationListenerOptions {
  /**
   * Also give this listener the field names and values each call wrote or read
   * ({@link OperationEvent.records}). Values and message content can be personal data: only
   * turn this on where they may be recorded. Costs nothing while no listener asks for it.
   * @default false
   */
  content?: boolean | undefined;
  /**
   * A cheap test (a field read or two) run at the start of each call: while it returns false
   * this listener is dormant, and while every listener is dormant a call is neither timed nor
   * reported, exactly as if nobody listened. For layers that may have nowhere to send events,
   * e.g. `convmem/otel` before an OpenTelemetry SDK is registered. A listener whose test
   * returns false when a call settles does not get that call's event.
   * @default always enabled
   */
  enabled?: (() => boolean) | undefined;
}

/** @internal Where `modify`/`remove` count their attempts (and gather their calls) when someone listens. */
export interface AttemptCount extends CallScope {
  retries: number;
}

interface Registered {
  readonly listener: OperationListener;
  readonly content: boolean;
  readonly enabled: (() => boolean) | undefined;
}

/** @internal The listeners of one manager. */
export class OperationEvents {
  /**
   * True while at least one listener is registered: the only thing checked on the hot path
   * without listeners. With listeners, a call is tracked when {@link active} says so.
   */
  listening = false;
  /** True while every listener has an `enabled` test: {@link active} then asks them. */
  private gated = false;
  private gates: readonly (() => boolean)[] = [];
  /** True while a listener asked for content: operations then record what they write and read. */
  content = false;
  private listeners: readonly Registered[] = [];
  private warned = false;

  /** @param onContent - told when {@link content} changes (the manager then swaps its store). */
  constructor(private readonly onContent: (content: boolean) => void = () => {}) {}

  /** Registers `listener` (once; adding it again only updates its options). */
  add(listener: OperationListener, content = false, enabled?: () => boolean): void {
    const others = this.listeners.filter((l) => l.listener !== listener);
    const existing = this.listeners.find((l) => l.listener === listener);
    const registered: Registered = { listener, content, enabled };
    this.listeners =
      existing === undefined
        ? [...others, registered]
        : this.listeners.map((l) => (l === existing ? registered : l));
    this.changed();
  }

  /**
   * Whether a call starting now is tracked (only asked while {@link listening}): true unless
   * every listener has an `enabled` test and none of them passes.
   */
  active(): boolean {
    if (!this.gated) return true;
    for (const gate of this.gates) if (passes(gate)) return true;
    return false;
  }

  remove(listener: OperationListener): void {
    this.listeners = this.listeners.filter((l) => l.listener !== listener);
    this.changed();
  }

  private changed(): void {
    this.listening = this.listeners.length > 0;
    const gates = this.listeners.map((l) => l.enabled);
    this.gated = gates.every((g) => g !== undefined);
    this.gates = this.gated ? (gates as (() => boolean)[]) : [];
    const content = this.listeners.some((l) => l.content);
    if (content !== this.content) {
      this.content = content;
      this.onContent(content);
    }
  }

  /** A fresh scope for one operation (only called while {@link listening}). */
  scope(): CallScope {
    return { calls: {}, records: this.content ? [] : undefined };
  }

  /** A fresh scope for a `modify`/`remove`, counting its attempts. */
  attempts(): AttemptCount {
    return { calls: {}, records: this.content ? [] : undefined, retries: 0 };
  }

  /**
   * Reports a settled call to every listener; a throwing (or rejecting) listener is ignored.
   * `records` reach only the listeners that asked for content.
   */
  emit(event: OperationEvent, records?: readonly MemoryRecord[]): void {
    const withRecords = records === undefined ? event : { ...event, records };
    for (const { listener, content, enabled } of this.listeners) {
      try {
        if (enabled !== undefined && !passes(enabled)) continue;
        const result: unknown = listener(content ? withRecords : event);
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
    scope: CallScope | AttemptCount,
    removed?: (value: T) => number,
  ): Promise<T> {
    return promise.then(
      (value) => {
        const event = settledEvent(operation, conversationId, start, false, undefined, scope);
        this.emit(removed === undefined ? event : { ...event, removed: removed(value) }, scope.records);
        return value;
      },
      (err: unknown) => {
        this.emit(settledEvent(operation, conversationId, start, true, err, scope), scope.records);
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

/** A listener's `enabled` test; one that throws counts as passing (its events still flow). */
function passes(gate: () => boolean): boolean {
  try {
    return gate() !== false;
  } catch {
    return true;
  }
}

function settledEvent(
  operation: OperationName,
  conversationId: string | undefined,
  start: number,
  failed: boolean,
  err: unknown,
  scope: CallScope | AttemptCount,
): OperationEvent {
  // One object literal per outcome (no spreads): this runs once per call while someone listens.
  const durationMs = performance.now() - start;
  const retries = "retries" in scope ? scope.retries : undefined;
  const { calls } = scope;
  if (!failed) {
    return retries === undefined
      ? { operation, conversationId, durationMs, outcome: "ok", calls }
      : { operation, conversationId, durationMs, outcome: "ok", retries, calls };
  }
  const code = err instanceof ConvmemError ? err.code : undefined;
  const event: { -readonly [K in keyof OperationEvent]: OperationEvent[K] } = {
    operation,
    conversationId,
    durationMs,
    outcome: "error",
    calls,
  };
  if (code !== undefined) event.code = code;
  if (retries !== undefined) event.retries = retries;
  return event;
}

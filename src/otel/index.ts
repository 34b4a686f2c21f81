/**
 * `convmem/otel`: OpenTelemetry spans and metrics for a manager, built only on its public
 * `on("operation")` events. Needs the optional peer dependency `@opentelemetry/api` (1.9.x);
 * `import "convmem"` never loads it. Spans follow the Memory spans of the GenAI semantic
 * conventions (Development status) at open-telemetry/semantic-conventions-genai
 * {@link SEMCONV_COMMIT}; docs/telemetry.md has the mapping and every attribute.
 *
 * @example
 * ```ts
 * import { createMemoryManager } from "convmem";
 * import { instrument } from "convmem/otel";
 * const manager = createMemoryManager();
 * const stop = instrument(manager); // global tracer and meter; no-ops until an SDK is registered
 * // … later: stop();
 * ```
 * @packageDocumentation
 */
import {
  type Attributes,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  InMemoryStore,
  type MemoryManager,
  type MemoryRecord,
  type OperationEvent,
  type OperationName,
  RedisStore,
  ValidationError,
} from "../index.js";
import { instrumentsOf } from "./instruments.js";

/** The commit of open-telemetry/semantic-conventions-genai whose Memory spans these follow. */
export const SEMCONV_COMMIT = "9430220eb6f3f8a0e41d2e0e548aeb5cb9ca5f14";

/** The GenAI semantic conventions' memory operations (`gen_ai.operation.name`) convmem uses. */
export type MemoryOperation =
  | "search_memory"
  | "create_memory"
  | "update_memory"
  | "upsert_memory"
  | "delete_memory"
  | "delete_memory_store";

/**
 * How each convmem method maps onto a {@link MemoryOperation} (the table in docs/telemetry.md,
 * checked against this by a test). A field and a message are memory records; a conversation's
 * memory is the store that `cleanupConversation` deletes.
 */
export const OPERATION_MAP: Readonly<Record<OperationName, MemoryOperation>> = {
  get: "search_memory",
  require: "search_memory",
  has: "search_memory",
  keys: "search_memory",
  items: "search_memory",
  getList: "search_memory",
  listLength: "search_memory",
  getMessages: "search_memory",
  getMessageCount: "search_memory",
  getTtl: "search_memory",
  getMemorySize: "search_memory",
  conversations: "search_memory",
  listConversations: "search_memory",
  getStats: "search_memory",
  mapGet: "search_memory",
  mapGetMany: "search_memory",
  mapKeys: "search_memory",
  mapSize: "search_memory",
  getMany: "search_memory",
  addMessage: "create_memory",
  updateMessage: "update_memory",
  setTtl: "update_memory",
  set: "upsert_memory",
  update: "upsert_memory",
  incr: "upsert_memory",
  modify: "upsert_memory",
  append: "upsert_memory",
  extend: "upsert_memory",
  insert: "upsert_memory",
  compactMessages: "upsert_memory",
  mapSet: "upsert_memory",
  batch: "upsert_memory",
  delete: "delete_memory",
  pop: "delete_memory",
  remove: "delete_memory",
  deleteMessage: "delete_memory",
  mapDelete: "delete_memory",
  clearAll: "delete_memory",
  cleanupConversation: "delete_memory_store",
  cleanupExpiredConversations: "delete_memory_store",
};

/**
 * Where `@opentelemetry/api` 1.x keeps what is registered globally (shared by every copy of the
 * API in the process): absent until something registers, so its absence says "no SDK" at the
 * cost of one property read.
 */
const GLOBAL_API = Symbol.for("opentelemetry.js.api.1");

/** What the global tracer provider delegates to while no SDK is registered (the API's no-op). */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether the global tracer provider has an SDK behind it. `trace.getTracer()` hands out proxy
 * tracers that start delegating once an SDK registers; until then they only make non-recording
 * spans, so there is nothing to trace. A provider this copy of the API does not know counts as
 * an SDK.
 */
function globalTracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** @default trace.getTracer("convmem") (the global provider; a no-op without an SDK) */
  tracer?: Tracer | undefined;
  /** @default metrics.getMeter("convmem") (the global provider; a no-op without an SDK) */
  meter?: Meter | undefined;
  /**
   * Record field names, values and message content on spans (`gen_ai.memory.record.id`,
   * `gen_ai.memory.records`). They can be personal data: off unless you opt in.
   * @default false
   */
  recordContent?: boolean | undefined;
  /**
   * `gen_ai.memory.store.id` of every span and metric: a low-cardinality name of the store.
   * @default manager.keyPrefix (e.g. "memory")
   */
  storeId?: string | undefined;
}

/** Where the manager's store runs, as `convmem.store`. */
function storeKind(manager: MemoryManager): "redis" | "in-memory" | "custom" {
  if (manager.store instanceof RedisStore) return "redis";
  if (manager.store instanceof InMemoryStore) return "in-memory";
  return "custom";
}

/** A record's value for `gen_ai.memory.records`: its JSON parsed, or its text (another codec). */
function content(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Span attributes of the opt-in content: the record id when there is one, and the records. */
function contentAttributes(records: readonly MemoryRecord[]): Attributes {
  const attributes: Attributes = {};
  const fields = new Set(records.map((r) => r.field));
  if (fields.size === 1) attributes["gen_ai.memory.record.id"] = records[0]?.field;
  const withValues = records.filter((r) => r.value !== undefined);
  if (withValues.length > 0) {
    attributes["gen_ai.memory.records"] = JSON.stringify(
      withValues.map((r) => ({ id: r.field, content: content(r.value as string) })),
    );
  }
  return attributes;
}

/**
 * Attribute sets by operation and a detail (error code, call kind; "" for none), built once:
 * metrics and span starts allocate nothing per call (no key strings either).
 */
function cached(build: (operation: OperationName, detail: string) => Attributes) {
  const cache = new Map<OperationName, Map<string, Attributes>>();
  return (operation: OperationName, detail: string): Attributes => {
    let byDetail = cache.get(operation);
    if (byDetail === undefined) {
      byDetail = new Map();
      cache.set(operation, byDetail);
    }
    let attributes = byDetail.get(detail);
    if (attributes === undefined) {
      attributes = Object.freeze(build(operation, detail));
      byDetail.set(detail, attributes);
    }
    return attributes;
  };
}

/**
 * Reports every operation of `manager` as a span named by its `gen_ai.operation.name` (started
 * and ended at the event's times) and in metrics: `convmem.operation.duration` (histogram, ms),
 * `convmem.operation.errors` (by `error.type` = the error code), `convmem.redis.calls` (by
 * `convmem.redis.call`, the command kind), `convmem.cleanup.conversations` and
 * `convmem.cleanup.fields` (what the cleanups removed). Returns a function that stops it.
 *
 * @example
 * ```ts
 * const stop = instrument(manager, { recordContent: false, storeId: "support-bot" });
 * ```
 */
export function instrument(manager: MemoryManager, options: InstrumentOptions = {}): () => void {
  const { recordContent = false } = options;
  if (typeof recordContent !== "boolean") {
    throw new ValidationError(`recordContent must be a boolean, got ${typeof recordContent}`);
  }
  const storeId = options.storeId ?? manager.keyPrefix;
  if (typeof storeId !== "string" || storeId.length === 0) {
    throw new ValidationError("storeId must be a non-empty string");
  }
  const tracer = options.tracer ?? trace.getTracer("convmem");
  // The global meter provider has no proxy: a meter taken before an SDK registers stays a
  // no-op. So without a `meter` option the instruments follow the global provider: made again
  // from it whenever it changes (checked at each call's start, one global lookup).
  let provider: MeterProvider | undefined =
    options.meter === undefined ? metrics.getMeterProvider() : undefined;
  let meters = instrumentsOf(options.meter ?? (provider as MeterProvider).getMeter("convmem"));
  const metering = (): boolean => {
    if (provider !== undefined) {
      const current = metrics.getMeterProvider();
      if (current !== provider) {
        provider = current;
        meters = instrumentsOf(current.getMeter("convmem"));
      }
    }
    return meters.live;
  };
  const store = storeKind(manager);
  const kind = store === "in-memory" ? SpanKind.INTERNAL : SpanKind.CLIENT;

  const base = (operation: OperationName): Attributes => ({
    "gen_ai.operation.name": OPERATION_MAP[operation],
    "gen_ai.memory.store.id": storeId,
    "convmem.operation": operation,
    "convmem.store": store,
  });
  const opAttributes = cached((operation, errorType) =>
    errorType === "" ? base(operation) : { ...base(operation), "error.type": errorType },
  );
  const callAttributes = cached((operation, call) => ({ ...base(operation), "convmem.redis.call": call }));

  const listener = (event: OperationEvent): void => {
    const end = performance.timeOrigin + performance.now();
    const { operation } = event;
    const errorType = event.outcome === "error" ? (event.code ?? "_OTHER") : undefined;
    const attributes = opAttributes(operation, errorType ?? "");
    const span = tracer.startSpan(OPERATION_MAP[operation], {
      kind,
      startTime: end - event.durationMs,
      attributes,
    });
    if (span.isRecording()) {
      if (event.conversationId !== undefined)
        span.setAttribute("gen_ai.conversation.id", event.conversationId);
      if (event.retries !== undefined) span.setAttribute("convmem.retries", event.retries);
      if (event.removed !== undefined) span.setAttribute("convmem.removed", event.removed);
      for (const call in event.calls)
        span.setAttribute(`convmem.redis.calls.${call}`, event.calls[call] ?? 0);
      if (event.records !== undefined) span.setAttributes(contentAttributes(event.records));
    }
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    span.end(end);
    const m = meters;
    m.duration.record(event.durationMs, attributes);
    if (errorType !== undefined) m.errors.add(1, attributes);
    for (const call in event.calls) m.redisCalls.add(event.calls[call] ?? 0, callAttributes(operation, call));
    if (event.removed !== undefined) {
      if (operation === "cleanupExpiredConversations") m.removedConversations.add(event.removed, attributes);
      else if (operation === "cleanupConversation") {
        m.removedFields.add(event.removed, attributes);
        if (event.removed > 0) m.removedConversations.add(1, attributes);
      }
    }
  };
  // Dormant while there is nowhere to send anything: with no SDK registered (and no tracer or
  // meter given) a call costs what it costs with no listener at all. A tracer or meter given
  // is always somewhere to send to.
  const enabled =
    options.tracer !== undefined || options.meter !== undefined
      ? undefined
      : () =>
          (globalThis as Record<symbol, unknown>)[GLOBAL_API] !== undefined &&
          (metering() || globalTracing());
  manager.on("operation", listener, { content: recordContent, enabled });
  return () => {
    manager.off("operation", listener);
  };
}

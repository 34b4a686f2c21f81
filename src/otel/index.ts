/**
 * `convmem/otel`: OpenTelemetry spans and metrics for a manager, built only on its
 * `on("operation")` events. Needs the optional peer dependency `@opentelemetry/api` (1.9.x);
 * `import "convmem"` never loads it.
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
import { type Meter, metrics, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { type MemoryManager, type OperationEvent, type OperationName, ValidationError } from "../index.js";

/** The GenAI semantic conventions' memory operations (`gen_ai.operation.name`). */
export type MemoryOperation = "search_memory" | "update_memory" | "delete_memory" | "delete_memory_store";

/** How each convmem method maps onto a {@link MemoryOperation} (documented in docs/API.md). */
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
  set: "update_memory",
  update: "update_memory",
  incr: "update_memory",
  modify: "update_memory",
  append: "update_memory",
  extend: "update_memory",
  insert: "update_memory",
  addMessage: "update_memory",
  updateMessage: "update_memory",
  compactMessages: "update_memory",
  setTtl: "update_memory",
  delete: "delete_memory",
  pop: "delete_memory",
  remove: "delete_memory",
  deleteMessage: "delete_memory",
  clearAll: "delete_memory",
  cleanupConversation: "delete_memory_store",
  cleanupExpiredConversations: "delete_memory_store",
};

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** @default trace.getTracer("convmem") (the global provider; a no-op without an SDK) */
  tracer?: Tracer | undefined;
  /** @default metrics.getMeter("convmem") (the global provider; a no-op without an SDK) */
  meter?: Meter | undefined;
  /**
   * Values and message content are never recorded: the events carry none. Only `false` is
   * accepted, so a future opt-in cannot be enabled by accident.
   * @default false
   */
  recordContent?: false | undefined;
}

/**
 * Reports every operation of `manager` as a span (`startTime`/`endTime` from the event) and in
 * two metrics: `convmem.operation.duration` (histogram, ms) and `convmem.operation.errors`
 * (counter, by `error.type` = the error code). Returns a function that stops it.
 */
export function instrument(manager: MemoryManager, options: InstrumentOptions = {}): () => void {
  if (options.recordContent !== undefined && options.recordContent !== false) {
    throw new ValidationError("recordContent can only be false: operation events carry no content");
  }
  const tracer = options.tracer ?? trace.getTracer("convmem");
  const meter = options.meter ?? metrics.getMeter("convmem");
  const duration = meter.createHistogram("convmem.operation.duration", {
    description: "Duration of convmem operations, from the call to its settlement",
    unit: "ms",
  });
  const errors = meter.createCounter("convmem.operation.errors", {
    description: "convmem operations that rejected, by error code",
  });
  const listener = (event: OperationEvent): void => {
    const end = performance.timeOrigin + performance.now();
    const operationName = OPERATION_MAP[event.operation];
    const errorType = event.outcome === "error" ? (event.code ?? "_OTHER") : undefined;
    const metricAttributes = {
      "gen_ai.operation.name": operationName,
      "convmem.operation": event.operation,
      ...(errorType === undefined ? {} : { "error.type": errorType }),
    };
    const span = tracer.startSpan(operationName, {
      kind: SpanKind.CLIENT,
      startTime: end - event.durationMs,
      attributes: {
        ...metricAttributes,
        ...(event.conversationId === undefined ? {} : { "gen_ai.conversation.id": event.conversationId }),
        ...(event.retries === undefined ? {} : { "convmem.retries": event.retries }),
      },
    });
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    span.end(end);
    duration.record(event.durationMs, metricAttributes);
    if (errorType !== undefined) errors.add(1, metricAttributes);
  };
  manager.on("operation", listener);
  return () => {
    manager.off("operation", listener);
  };
}

/**
 * The metric instruments of `convmem/otel`, made from one meter (and made again when the global
 * meter provider changes: see `instrument`).
 */
import { type Counter, createNoopMeter, type Histogram, type Meter } from "@opentelemetry/api";

const NOOP_METER = createNoopMeter();

/** The metric instruments of one meter. */
export interface Instruments {
  /** False for the API's no-op meter (no SDK behind it). */
  readonly live: boolean;
  readonly duration: Histogram;
  readonly errors: Counter;
  readonly redisCalls: Counter;
  readonly removedConversations: Counter;
  readonly removedFields: Counter;
}

export function instrumentsOf(meter: Meter): Instruments {
  return {
    live: meter !== NOOP_METER,
    duration: meter.createHistogram("convmem.operation.duration", {
      description: "Duration of convmem operations, from the call to its settlement",
      unit: "ms",
    }),
    errors: meter.createCounter("convmem.operation.errors", {
      description: "convmem operations that rejected, by error code",
    }),
    redisCalls: meter.createCounter("convmem.redis.calls", {
      description: "Redis commands sent by convmem operations, by kind",
      unit: "{command}",
    }),
    removedConversations: meter.createCounter("convmem.cleanup.conversations", {
      description: "Conversations deleted by cleanupExpiredConversations and cleanupConversation",
      unit: "{conversation}",
    }),
    removedFields: meter.createCounter("convmem.cleanup.fields", {
      description: "Fields deleted by cleanupConversation",
      unit: "{field}",
    }),
  };
}

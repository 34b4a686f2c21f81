/**
 * `convmem/otel` on the global OpenTelemetry API (issue 20), in its own process because it
 * registers global providers: `instrument(manager)` with no SDK registered is dormant (a call
 * takes no timestamp, as with no listener at all), starts sending spans and metrics once an SDK
 * registers — also metrics, whose global API has no proxy — and goes dormant again when the
 * SDK is taken away.
 */
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { metrics, trace } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createMemoryManager, InMemoryStore } from "../../src/index.js";
import { instrument } from "../../src/otel/index.js";
import { TestReader } from "../helpers/metric-reader.js";

async function operationCount(reader: TestReader): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === "convmem.operation.duration");
  let n = 0;
  for (const p of metric?.dataPoints ?? []) n += (p.value as { count: number }).count;
  return n;
}

describe("convmem/otel on the global API", () => {
  it("dormant without an SDK, live once one registers (spans and metrics), dormant again after", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const memory = manager.getMemory("g1");
    const stop = instrument(manager);
    const now = mock.method(performance, "now");
    try {
      await memory.set("a", 1);
      await memory.get("a");
      assert.equal(now.mock.callCount(), 0, "no SDK: a call takes no timestamp");
    } finally {
      now.mock.restore();
    }

    // Register an SDK after instrument(): the proxies start delegating, the meter is re-made.
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    assert.ok(trace.setGlobalTracerProvider(tracerProvider));
    assert.ok(metrics.setGlobalMeterProvider(meterProvider));
    await memory.set("a", 2);
    await memory.get("a");
    await memory.addMessage("user", "hi");
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => [s.name, s.attributes["convmem.operation"]]),
      [
        ["upsert_memory", "set"],
        ["search_memory", "get"],
        ["create_memory", "addMessage"],
      ],
    );
    assert.equal(await operationCount(reader), 3);

    // Only a tracer registered (metrics taken away): still live, spans only.
    metrics.disable();
    await memory.get("a");
    assert.equal(exporter.getFinishedSpans().length, 4);
    assert.equal(await operationCount(reader), 3, "the old meter gets nothing more");

    trace.disable();
    const again = mock.method(performance, "now");
    try {
      await memory.get("a");
      assert.equal(again.mock.callCount(), 0, "SDK gone: dormant again");
    } finally {
      again.mock.restore();
    }
    assert.equal(exporter.getFinishedSpans().length, 4);
    stop();
    await manager.close();
  });
});

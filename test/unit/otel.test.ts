/**
 * `convmem/otel` (issue 20): spans and metrics of a short workload from the in-memory
 * exporters of the OTel SDK 2.x, nothing breaking without an SDK, and `import "convmem"`
 * never reaching @opentelemetry.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { type DataPoint, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createMemoryManager, InMemoryStore, ValidationError } from "../../src/index.js";
import { instrument, OPERATION_MAP } from "../../src/otel/index.js";
import { repoRoot } from "../helpers/node-child.js";

/** A reader collected on demand. */
class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
    "t",
  );
  const reader = new TestReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter("t");
  const manager = createMemoryManager({ store: new InMemoryStore() });
  const stop = instrument(manager, { tracer, meter });
  return { exporter, reader, manager, stop };
}

describe("convmem/otel", () => {
  it("a short workload: one span per call with GenAI memory names and attributes, and metrics", async () => {
    const { exporter, reader, manager, stop } = setup();
    const memory = manager.getMemory("c1");
    await memory.set("prefs", { language: "en" });
    await memory.getMessages();
    await memory.addMessage("user", "a secret message");
    await assert.rejects(memory.append("prefs", 1), { code: "ERR_WRONG_TYPE" });
    await memory.delete("prefs");
    await manager.cleanupConversation("c1");
    await manager.getStats();
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.attributes["convmem.operation"], s.attributes["gen_ai.conversation.id"]]),
      [
        ["update_memory", "set", "c1"],
        ["search_memory", "getMessages", "c1"],
        ["update_memory", "addMessage", "c1"],
        ["update_memory", "append", "c1"],
        ["delete_memory", "delete", "c1"],
        ["delete_memory_store", "cleanupConversation", "c1"],
        ["search_memory", "getStats", undefined],
      ],
    );
    for (const span of spans) {
      assert.equal(span.attributes["gen_ai.operation.name"], span.name);
      const start = span.startTime[0] * 1e3 + span.startTime[1] / 1e6;
      const end = span.endTime[0] * 1e3 + span.endTime[1] / 1e6;
      assert.ok(end >= start && end - start < 5000, `${span.name}: ${start}..${end}`);
    }
    const failed = spans[3];
    assert.equal(failed?.attributes["error.type"], "ERR_WRONG_TYPE");
    assert.equal(failed?.status.code, 2); // SpanStatusCode.ERROR
    const everything = JSON.stringify(spans.map((s) => s.attributes));
    assert.ok(!everything.includes("secret") && !everything.includes("language"), "no content recorded");

    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const byName = new Map(all.map((m) => [m.descriptor.name, m]));
    const durations = byName.get("convmem.operation.duration");
    assert.equal(durations?.descriptor.unit, "ms");
    const count = (points: Array<DataPoint<unknown>>, op: string) =>
      points
        .filter((p) => p.attributes["convmem.operation"] === op)
        .reduce((n, p) => n + ((p.value as { count?: number }).count ?? (p.value as number)), 0);
    const points = (durations?.dataPoints ?? []) as Array<DataPoint<unknown>>;
    assert.equal(count(points, "set"), 1);
    assert.equal(count(points, "append"), 1);
    const errors = (byName.get("convmem.operation.errors")?.dataPoints ?? []) as Array<DataPoint<unknown>>;
    assert.deepEqual(
      errors.map((p) => [p.attributes["error.type"], p.value]),
      [["ERR_WRONG_TYPE", 1]],
    );

    stop();
    await memory.get("x");
    assert.equal(exporter.getFinishedSpans().length, spans.length, "no spans after stop()");
    await manager.close();
  });

  it("works with no SDK registered (global no-op tracer and meter); recordContent: true is refused", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const stop = instrument(manager);
    const memory = manager.getMemory("c2");
    await memory.set("a", 1);
    assert.equal(await memory.get("a"), 1);
    await assert.rejects(memory.require("missing"), { code: "ERR_FIELD_NOT_FOUND" });
    stop();
    assert.throws(() => instrument(manager, { recordContent: true as never }), ValidationError);
    await manager.close();
  });

  it("maps every operation onto a GenAI memory operation", () => {
    const ops = new Set(Object.values(OPERATION_MAP));
    assert.deepEqual([...ops].sort(), [
      "delete_memory",
      "delete_memory_store",
      "search_memory",
      "update_memory",
    ]);
    assert.equal(Object.keys(OPERATION_MAP).length, 32);
  });

  it('import "convmem" never reaches @opentelemetry (the import graph of src/index.ts)', () => {
    const src = join(repoRoot, "src");
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\("([^"]+)"\)/gms)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith(".")) visit(resolve(dirname(file), spec).replace(/\.js$/, ".ts"));
        else bare.add(spec);
      }
    };
    visit(join(src, "index.ts"));
    assert.ok(seen.size > 10, `walked ${seen.size} modules`);
    assert.ok(!seen.has(join(src, "otel", "index.ts")));
    assert.deepEqual(
      [...bare].filter((s) => s.startsWith("@opentelemetry")),
      [],
      `reached from ${relative(repoRoot, src)}/index.ts`,
    );
  });
});

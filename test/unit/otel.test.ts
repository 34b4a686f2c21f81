/**
 * `convmem/otel` (issue 20) on a real redis-server, read back through the in-memory exporters
 * of the OTel SDK 2.x: the spans and metrics of a short workload, no content by default,
 * content with `recordContent`, nothing breaking without an SDK registered, the mapping table
 * of docs/telemetry.md equal to `OPERATION_MAP`, and `import "convmem"` never reaching
 * @opentelemetry.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { SpanKind, trace } from "@opentelemetry/api";
import { type DataPoint, MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  createMemoryManager,
  InMemoryStore,
  type MemoryManager,
  type OperationEvent,
  ValidationError,
} from "../../src/index.js";
import { instrument, OPERATION_MAP, SEMCONV_COMMIT } from "../../src/otel/index.js";
import { TestReader } from "../helpers/metric-reader.js";
import { repoRoot } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

/** The values of metric `name` by the attribute `by`, summed (a histogram: its counts). */
async function sums(reader: TestReader, name: string, by: string): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name);
  const out: Record<string, number> = {};
  for (const p of (metric?.dataPoints ?? []) as Array<DataPoint<unknown>>) {
    const key = String(p.attributes[by]);
    const value = typeof p.value === "number" ? p.value : ((p.value as { count: number }).count ?? 0);
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

const everything = (spans: readonly ReadableSpan[]) =>
  JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]));

describe("convmem/otel on redis-server", () => {
  let server: RedisServer;
  const managers: MemoryManager[] = [];
  const newManager = () => {
    const manager = createMemoryManager({ redis: server.url, keyPrefix: "otel-test" });
    managers.push(manager);
    return manager;
  };
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const m of managers) await m.close();
    await server.stop();
  });

  function setup(options: { recordContent?: boolean } = {}) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const reader = new TestReader();
    const meter = new MeterProvider({ readers: [reader] }).getMeter("t");
    const manager = newManager();
    const events: OperationEvent[] = [];
    manager.on("operation", (e) => events.push(e));
    const stop = instrument(manager, { tracer: provider.getTracer("t"), meter, ...options });
    return { exporter, reader, manager, stop, events };
  }

  it("a short workload: GenAI memory spans with the store, the calls, no content; and metrics", async () => {
    const { exporter, reader, manager, stop, events } = setup();
    const id = freshId("otel");
    const memory = manager.getMemory(id);
    await memory.set("prefs", { language: "en" });
    await memory.getMessages();
    await memory.addMessage("user", "a secret message");
    await assert.rejects(memory.append("prefs", 1), { code: "ERR_WRONG_TYPE" });
    await memory.modify("n", () => 1);
    await memory.delete("prefs");
    assert.equal(await manager.cleanupConversation(id), 2);
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.attributes["convmem.operation"], s.attributes["gen_ai.conversation.id"]]),
      [
        ["upsert_memory", "set", id],
        ["search_memory", "getMessages", id],
        ["create_memory", "addMessage", id],
        ["upsert_memory", "append", id],
        ["upsert_memory", "modify", id],
        ["delete_memory", "delete", id],
        ["delete_memory_store", "cleanupConversation", id],
      ],
    );
    for (const span of spans) {
      assert.equal(span.attributes["gen_ai.operation.name"], span.name);
      assert.equal(span.attributes["gen_ai.memory.store.id"], "otel-test");
      assert.equal(span.attributes["convmem.store"], "redis");
      assert.equal(span.kind, SpanKind.CLIENT);
      const start = span.startTime[0] * 1e3 + span.startTime[1] / 1e6;
      const end = span.endTime[0] * 1e3 + span.endTime[1] / 1e6;
      assert.ok(end >= start && end - start < 5000, `${span.name}: ${start}..${end}`);
    }
    assert.equal(spans[0]?.attributes["convmem.redis.calls.function_load"], 1);
    assert.equal(spans[0]?.attributes["convmem.redis.calls.fcall"], 1);
    assert.equal(spans[4]?.attributes["convmem.redis.calls.mget"], 1); // modify: a plain read
    assert.equal(spans[4]?.attributes["convmem.redis.calls.fcall"], 1); // and a compare-and-set
    assert.equal(spans[4]?.attributes["convmem.retries"], 0);
    assert.equal(spans[6]?.attributes["convmem.removed"], 2);
    const failed = spans[3];
    assert.equal(failed?.attributes["error.type"], "ERR_WRONG_TYPE");
    assert.equal(failed?.status.code, 2); // SpanStatusCode.ERROR
    const text = everything(spans);
    for (const secret of ["secret", "language", "prefs", "gen_ai.memory.record"]) {
      assert.ok(!text.includes(secret), `no content recorded: found ${secret}`);
    }

    const durations = await sums(reader, "convmem.operation.duration", "convmem.operation");
    assert.deepEqual(durations, {
      set: 1,
      getMessages: 1,
      addMessage: 1,
      append: 1,
      modify: 1,
      delete: 1,
      cleanupConversation: 1,
    });
    assert.deepEqual(await sums(reader, "convmem.operation.errors", "error.type"), { ERR_WRONG_TYPE: 1 });
    const fromEvents: Record<string, number> = {};
    for (const e of events)
      for (const [k, n] of Object.entries(e.calls)) fromEvents[k] = (fromEvents[k] ?? 0) + (n ?? 0);
    // getMessages: a plain LRANGE; modify's read: a plain MGET
    assert.deepEqual(fromEvents, { fcall: 6, lrange: 1, mget: 1, function_load: 1 });
    assert.deepEqual(await sums(reader, "convmem.redis.calls", "convmem.redis.call"), fromEvents);
    assert.deepEqual(await sums(reader, "convmem.cleanup.fields", "convmem.operation"), {
      cleanupConversation: 2,
    });
    assert.deepEqual(await sums(reader, "convmem.cleanup.conversations", "convmem.operation"), {
      cleanupConversation: 1,
    });

    // Another conversation, expired by cleanupExpiredConversations.
    await manager.getMemory(freshId("otel")).set("a", 1);
    await new Promise((resolve) => setTimeout(resolve, 5)); // its last write strictly before the cutoff
    assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }), 1);
    assert.deepEqual(await sums(reader, "convmem.cleanup.conversations", "convmem.operation"), {
      cleanupConversation: 1,
      cleanupExpiredConversations: 1,
    });
    const sweep = exporter.getFinishedSpans().at(-1);
    assert.equal(sweep?.name, "delete_memory_store");
    assert.equal(sweep?.attributes["gen_ai.conversation.id"], undefined);
    assert.equal(sweep?.attributes["convmem.redis.calls.time"], 1);
    assert.equal(sweep?.attributes["convmem.redis.calls.zrange"], 16384);

    stop();
    const count = exporter.getFinishedSpans().length;
    await memory.get("x");
    assert.equal(exporter.getFinishedSpans().length, count, "no spans after stop()");
  });

  it("recordContent: true puts the record id and the records on the spans, per the conventions", async () => {
    const { exporter, manager, events } = setup({ recordContent: true });
    const memory = manager.getMemory(freshId("content"));
    await memory.set("prefs", { language: "en" });
    await memory.get("prefs");
    await memory.addMessage("user", "a secret message", {}, { id: "m1" });
    const [message] = await memory.getMessages();
    await memory.has("prefs");
    const spans = exporter.getFinishedSpans();
    const attr = (i: number, key: string) => spans[i]?.attributes[key];
    const records = (i: number) => JSON.parse(String(attr(i, "gen_ai.memory.records")));
    assert.equal(attr(0, "gen_ai.memory.record.id"), "prefs");
    assert.deepEqual(records(0), [{ id: "prefs", content: { language: "en" } }]);
    assert.deepEqual(records(1), [{ id: "prefs", content: { language: "en" } }]);
    assert.equal(attr(2, "gen_ai.memory.record.id"), "messages");
    assert.deepEqual(records(2), [
      { id: "messages", content: { id: "m1", role: "user", content: "a secret message", metadata: {} } },
    ]);
    assert.deepEqual(records(3), [{ id: "messages", content: [message] }]);
    assert.equal(attr(4, "gen_ai.memory.record.id"), "prefs");
    assert.equal(attr(4, "gen_ai.memory.records"), undefined, "has() reads no value");
    assert.ok(
      events.every((e) => e.records === undefined),
      "a listener without the opt-in still gets no records",
    );
  });

  it("works with no SDK registered (the global no-op tracer and meter)", async () => {
    assert.equal(
      trace.getTracer("x").startSpan("probe").isRecording(),
      false,
      "no global SDK in this process",
    );
    const manager = newManager();
    const stop = instrument(manager, { recordContent: true });
    const memory = manager.getMemory(freshId("nosdk"));
    await memory.set("a", 1);
    assert.equal(await memory.get("a"), 1);
    assert.equal(await memory.modify("a", (a) => (a as number) + 1), 2);
    await assert.rejects(memory.require("missing"), { code: "ERR_FIELD_NOT_FOUND" });
    await manager.getStats();
    stop();
    assert.throws(() => instrument(manager, { recordContent: "yes" as never }), ValidationError);
    assert.throws(() => instrument(manager, { storeId: "" }), ValidationError);
  });

  it("docs/telemetry.md's setup examples run as written and print what their comments say", async () => {
    const setup = readFileSync(join(repoRoot, "docs", "telemetry.md"), "utf8")
      .split("## Setup")[1]
      ?.split("\n## ")[0];
    const blocks = [...(setup ?? "").matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    assert.equal(blocks.length, 2);
    const dist = join(repoRoot, "dist");
    // In the repository, so that @opentelemetry/* resolve from its node_modules.
    const dir = mkdtempSync(join(repoRoot, "build", "telemetry-doc-"));
    try {
      const outputs: string[][] = [];
      for (const [i, block] of blocks.entries()) {
        const code = block
          .replace('from "convmem/otel"', `from ${JSON.stringify(join(dist, "otel", "index.js"))}`)
          .replace('from "convmem"', `from ${JSON.stringify(join(dist, "index.js"))}`);
        assert.ok(!code.includes('"convmem'), "every convmem import was rewritten");
        const file = join(dir, `example-${i}.mjs`);
        writeFileSync(file, code);
        const { stdout } = await promisify(execFile)(process.execPath, [file], {
          env: { ...process.env, REDIS_URL: server.url },
          timeout: 20_000,
        });
        outputs.push(stdout.trim().split("\n"));
      }
      assert.deepEqual(outputs, [
        ['set ok - {"function_load":1,"fcall":1}', 'modify ok - {"mget":1,"fcall":1}'],
        ["search_memory support-bot"],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("convmem/otel without Redis", () => {
  it("InMemoryStore: INTERNAL spans, store id from the key prefix or the option", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
      "t",
    );
    const manager = createMemoryManager({ store: new InMemoryStore() });
    instrument(manager, { tracer, storeId: "support-bot" });
    await manager.getMemory("c1").set("a", 1);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.kind, SpanKind.INTERNAL);
    assert.equal(span?.attributes["gen_ai.memory.store.id"], "support-bot");
    assert.equal(span?.attributes["convmem.store"], "in-memory");
    assert.equal(manager.keyPrefix, "memory");
    await manager.close();
  });

  it("maps every operation onto a GenAI memory operation, as docs/telemetry.md's table says", () => {
    const doc = readFileSync(join(repoRoot, "docs", "telemetry.md"), "utf8");
    const table: Record<string, string> = {};
    const mapping = doc.split("### Mapping")[1]?.split("\n### ")[0] ?? "";
    for (const [, method, op] of mapping.matchAll(/^\| `(\w+)` +\| `(\w+)` +\|/gm))
      table[method as string] = op as string;
    assert.deepEqual(table, { ...OPERATION_MAP });
    assert.equal(Object.keys(OPERATION_MAP).length, 40);
    const known = ["search_memory", "create_memory", "update_memory", "upsert_memory", "delete_memory"];
    for (const op of Object.values(OPERATION_MAP))
      assert.ok([...known, "delete_memory_store"].includes(op), op);
    assert.ok(doc.includes(SEMCONV_COMMIT), "the doc pins the semantic conventions commit");
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

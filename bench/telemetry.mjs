// Section 6: what telemetry costs. 200 concurrent set+get (1,000 conversations) on three
// managers of the same build on the same redis-server, measured in the same rounds (order
// rotated per round, harness.mjs): `off` (no listener), `otel_no_sdk` (`instrument(manager)` on
// the global API with no SDK registered: what a library that instruments by default costs its
// users) and `otel_sdk` (an SDK tracer and meter passed to `instrument`, spans batched to an
// exporter that drops them, metrics aggregated by a reader that is never collected). The SDK
// is given explicitly, not registered globally, so that `otel_no_sdk` stays without one.
// Target (issue 20): otel_no_sdk within 3% of off (ratio >= 0.97).
// Standalone: npm run build && node bench/telemetry.mjs
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";
import { instrument } from "../dist/otel/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";
import { compareThroughput, median } from "./harness.mjs";

const CONVERSATIONS = 1000;
const CONCURRENCY = 200;
const TARGET = 0.97;

class IdleReader extends MetricReader {
  onShutdown() {
    return Promise.resolve();
  }
  onForceFlush() {
    return Promise.resolve();
  }
}

/** A span exporter that drops everything (the SDK's own work is what is measured). */
const noopExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};

function setGet(manager, name) {
  const mems = Array.from({ length: CONVERSATIONS }, (_, i) => manager.getMemory(`tel-${name}-${i}`));
  const value = { language: "en", style: "short", n: 42 };
  return async (i) => {
    const m = mems[i % CONVERSATIONS];
    await m.set("prefs", value);
    await m.get("prefs");
  };
}

/** Rows { variant, opsPerSec, vs_off, nodeCpuUsPerOp, rounds } and the target check. */
export async function runTelemetry({ url, admin, log }) {
  const off = createMemoryManager({ redis: url });
  // A second manager with no listener: the noise floor of a paired ratio on this machine.
  const offAgain = createMemoryManager({ redis: url });
  const noSdk = createMemoryManager({ redis: url });
  const sdk = createMemoryManager({ redis: url });
  const spans = new BatchSpanProcessor(noopExporter);
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [spans] });
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const stops = [
    instrument(noSdk),
    instrument(sdk, { tracer: tracerProvider.getTracer("bench"), meter: meterProvider.getMeter("bench") }),
  ];
  try {
    const r = await compareThroughput(
      admin,
      {
        off: setGet(off, "off"),
        off_again: setGet(offAgain, "off2"),
        otel_no_sdk: setGet(noSdk, "nosdk"),
        otel_sdk: setGet(sdk, "sdk"),
      },
      { concurrency: CONCURRENCY, opsPerCall: 2 },
    );
    // The ratio of each round to `off` in the same round, then their median: on a machine whose
    // speed drifts between rounds, pairing within a round is steadier than a ratio of medians.
    const rows = Object.entries(r).map(([variant, x]) => {
      const paired = x.rounds.map((ops, k) => ops / (r.off.rounds[k] ?? ops));
      return {
        variant,
        opsPerSec: x.opsPerSec,
        vs_off: +median(paired).toFixed(3),
        vs_off_rounds: paired.map((q) => +q.toFixed(2)),
        nodeCpuUsPerOp: x.nodeCpuUsPerOp,
        rounds: x.rounds,
      };
    });
    for (const row of rows) {
      log(
        `  ${row.variant.padEnd(12)} ${String(row.opsPerSec).padStart(7)} ops/s  x${row.vs_off} (${row.vs_off_rounds.join(" ")})  node ${row.nodeCpuUsPerOp} µs/op`,
      );
    }
    const ratio = rows.find((x) => x.variant === "otel_no_sdk")?.vs_off ?? 0;
    return { concurrency: CONCURRENCY, rows, target: TARGET, ratio, met: ratio >= TARGET };
  } finally {
    for (const stop of stops) stop();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    await Promise.all([off.close(), offAgain.close(), noSdk.close(), sdk.close()]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startRedisServer();
  if (!server) throw new Error("bench/telemetry.mjs needs redis-server on PATH");
  const admin = createClient({ url: server.url, commandOptions: { timeout: 0 } });
  await admin.connect();
  try {
    const result = await runTelemetry({ url: server.url, admin, log: (s) => console.log(s) });
    console.log(
      `otel_no_sdk / off = ${result.ratio} (target >= ${result.target}: ${result.met ? "met" : "not met"})`,
    );
  } finally {
    await admin.quit();
    await server.stop();
  }
}

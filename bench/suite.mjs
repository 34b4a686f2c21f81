// The benchmark suite (`npm run bench`; not a test): starts its own redis-server, runs every
// measurement of the issue against baselines measured in this same run, prints a table, and
// writes bench/results.json (versions, machine, every figure and round) and
// bench/latency-vs-history.svg. Figures are medians of BENCH_ROUNDS (default 5) rounds.
// Usage: node bench/suite.mjs [--only turn,ops,history,windows,primitives,long,memory,functions,workers,telemetry,openai]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";
import { latencyChart } from "./chart.mjs";
import { runFunctions } from "./functions.mjs";
import { ROUNDS } from "./harness.mjs";
import { runHistory, runLongConversation } from "./history.mjs";
import { runMemory } from "./memory.mjs";
import { openAIAgentsSummary, runOpenAIAgents } from "./openai-agents.mjs";
import { runOps } from "./ops.mjs";
import { runPrimitives } from "./primitives.mjs";
import { runTelemetry } from "./telemetry.mjs";
import { runTurn } from "./turn.mjs";
import { runWindows } from "./windows.mjs";
import { runWorkers } from "./workers.mjs";

const here = (p) => new URL(p, import.meta.url);
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(",")) : undefined;
const want = (name) => !only || only.has(name);
const log = (s) => console.log(s);

function versions() {
  const require = createRequire(import.meta.url);
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version;
    } catch {
      return null;
    }
  };
  const lcRedis = JSON.parse(readFileSync(here("../node_modules/@langchain/redis/package.json"), "utf8"));
  let lcClient = null;
  try {
    lcClient = JSON.parse(
      readFileSync(here("../node_modules/@langchain/redis/node_modules/redis/package.json"), "utf8"),
    ).version;
  } catch {}
  return {
    convmem: JSON.parse(readFileSync(here("../package.json"), "utf8")).version,
    node: process.version,
    redis_server: execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim(),
    redis_client: pkg("redis"),
    langchain_redis: lcRedis.version,
    langchain_redis_client: lcClient,
    langchain_core: pkg("@langchain/core"),
  };
}

const machine = {
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? "unknown",
  memory_gb: +(os.totalmem() / 2 ** 30).toFixed(1),
};

const started = performance.now();
const server = await startRedisServer();
if (!server) throw new Error("npm run bench needs redis-server on PATH");
const admin = createClient({ url: server.url, commandOptions: { timeout: 0 } });
const rawDefault = createClient({ url: server.url });
await admin.connect();
await rawDefault.connect();
const manager = createMemoryManager({ redis: server.url });
const ctx = { url: server.url, admin, rawDefault, manager, log };
const results = { date: new Date().toISOString(), rounds: ROUNDS, versions: versions(), machine };
const section = async (key, title, fn) => {
  if (!want(key)) return;
  const t = performance.now();
  log(`\n${title}`);
  results[key] = await fn(ctx);
  log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
};
try {
  await section("turn", "0. realistic agent turn vs hand-written Redis code (turns/s)", runTurn);
  await section("ops", "1. convmem vs raw node-redis commands (ops/s)", runOps);
  await section("history", "2. chat turn vs history length (µs per add + read, 1 in flight)", runHistory);
  await section(
    "windows",
    "2b. history windows, edits, compaction: 100,000-message conversation vs 100 (µs per call)",
    runWindows,
  );
  await section("primitives", "2c. batches and map fields (µs per call)", runPrimitives);
  await section(
    "long",
    "3. 100,000-message conversation vs 10-message one (µs per call)",
    runLongConversation,
  );
  await section("memory", "4. Redis memory per stored message", runMemory);
  await section(
    "functions",
    "profile: Redis CPU per call, Functions (FCALL) vs scripts (EVALSHA)",
    runFunctions,
  );
  await section("workers", "5. demo workload, 4 worker processes vs 1", runWorkers);
  await section(
    "telemetry",
    "6. telemetry: 200 concurrent set+get, off vs convmem/otel without an SDK vs with one (ops/s)",
    runTelemetry,
  );
  await section(
    "openai",
    "7. convmem/openai-agents: a turn = getItems(50) + addItems(3), 1 in flight (µs per turn)",
    runOpenAIAgents,
  );
} finally {
  await admin.quit();
  await rawDefault.quit();
  await manager.close();
  await server.stop();
}

const summary = [];
for (const r of results.turn ?? []) {
  summary.push({
    measurement: `realistic turn, ${r.concurrency} in flight (ring ${r.ring}), vs hand-written`,
    result: r.ratio,
    target: `>= ${r.target}`,
    met: r.met,
  });
  summary.push({
    measurement: `the same, each conversation's first turn`,
    result: r.first_turns.ratio,
    target: "-",
    met: "-",
  });
}
for (const r of results.ops ?? []) {
  summary.push({
    measurement: `${r.op}, ${r.concurrency} in flight, vs raw (timeout 0)`,
    result: r.ratio,
    target: r.target === null ? "-" : `>= ${r.target}`,
    met: r.met === null ? "-" : r.met,
  });
}
for (const r of results.ops ?? []) {
  summary.push({
    measurement: `raw default options, ${r.op}, ${r.concurrency} in flight, vs raw (timeout 0)`,
    result: r.raw_default_ratio,
    target: "-",
    met: "-",
  });
}
for (const r of results.history ?? []) {
  const target = r.history === 100 ? ">= 2" : "-";
  summary.push({
    measurement: `turn at ${r.history} msgs: LangChain µs / convmem µs`,
    result: r.vs_langchain,
    target,
    met: r.history === 100 ? r.vs_langchain >= 2 : "-",
  });
  summary.push({
    measurement: `turn at ${r.history} msgs, both calls issued together: LangChain / convmem`,
    result: r.pipelined_vs_langchain,
    target: "-",
    met: "-",
  });
  summary.push({
    measurement: `turn at ${r.history} msgs: Python-style µs / convmem µs`,
    result: r.vs_python,
    target: "-",
    met: "-",
  });
}
if (results.history?.length) {
  const h = results.history;
  const flat = +(h[h.length - 1].convmem_us / h[0].convmem_us).toFixed(2);
  results.history_flatness = { convmem_10000_vs_10: flat, target: 1.2, met: flat <= 1.2 };
  summary.push({
    measurement: "convmem turn at 10,000 msgs vs at 10 (flat)",
    result: flat,
    target: "<= 1.2",
    met: flat <= 1.2,
  });
}
for (const r of results.windows ?? []) {
  summary.push({
    measurement: `${r.op}: 100,000-msg conversation vs 100-msg`,
    result: r.ratio,
    target: `<= ${r.target}`,
    met: r.met,
  });
}
for (const r of results.primitives ?? []) {
  summary.push({
    measurement: r.op,
    result: r.ratio,
    target: r.target === null ? "-" : `<= ${r.target}`,
    met: r.met ?? "-",
  });
}
for (const r of results.long ?? []) {
  summary.push({
    measurement: `${r.op}: 100,000-msg conversation vs 10-msg`,
    result: r.ratio,
    target: r.target ? `<= ${r.target}` : "-",
    met: r.met ?? "-",
  });
}
if (results.memory) {
  summary.push({
    measurement: "Redis bytes per message / message JSON bytes",
    result: results.memory.ratio,
    target: "<= 1.3",
    met: results.memory.met,
  });
}
if (results.workers) {
  summary.push({
    measurement: "demo throughput, 4 workers vs 1",
    result: results.workers.ratio,
    target: "-",
    met: "-",
  });
}
if (results.telemetry) {
  for (const row of results.telemetry.rows.filter((r) => r.variant !== "off")) {
    const noSdk = row.variant === "otel_no_sdk";
    const what = {
      off_again: "a second manager without listeners (noise floor)",
      otel_no_sdk: "convmem/otel, no SDK registered",
      otel_sdk: "convmem/otel, SDK with a no-op exporter",
    }[row.variant];
    summary.push({
      measurement: `set+get, 200 in flight, ${what ?? row.variant} vs off`,
      result: row.vs_off,
      target: noSdk ? `>= ${results.telemetry.target}` : "-",
      met: noSdk ? results.telemetry.met : "-",
    });
  }
}
summary.push(...openAIAgentsSummary(results.openai));
results.summary = summary;
results.total_seconds = +((performance.now() - started) / 1000).toFixed(1);
if (results.history?.length) {
  writeFileSync(
    here("latency-vs-history.svg"),
    latencyChart(results.history, "One chat turn vs history length (1 in flight)"),
  );
}
writeFileSync(here(only ? "results.partial.json" : "results.json"), `${JSON.stringify(results, null, 2)}\n`);
log("");
console.table(summary);
log(
  `total ${results.total_seconds} s${only ? " (partial run: wrote bench/results.partial.json)" : "; wrote bench/results.json and bench/latency-vs-history.svg"}`,
);

/**
 * Long mode of the linearizability checker: keeps generating and checking histories until the
 * time is up, then prints how many histories and calls were checked. On an anomaly it prints
 * the report and exits 1.
 *
 *   npm run check:long -- --minutes 10
 *   node build/test/linearizability/long.js --minutes 10 [--seed N] [--concurrency 64]
 *        [--histories N]  stop after N histories (even if time is left)
 *        [--memory]       use one InMemoryStore per history instead of Redis
 *        [--keep-going]   do not stop at the first anomaly: report the first of each kind
 *                         (with the time and number of histories it took to find it)
 *        [--dump DIR]     write every anomalous history to DIR/<seed>.json
 *   node build/test/linearizability/long.js --recheck FILE   re-check a dumped history
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRedis } from "../helpers/redis-server.js";
import { type CheckOptions, checkHistory, classify, describeVerdict, type RecordedOp } from "./checker.js";
import { type HistoryResult, runHistories } from "./harness.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    seed: { type: "string" },
    concurrency: { type: "string", default: "64" },
    histories: { type: "string" },
    memory: { type: "boolean", default: false },
    "keep-going": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    dump: { type: "string" },
    recheck: { type: "string" },
  },
});

if (values.recheck !== undefined) {
  const history = JSON.parse(readFileSync(values.recheck, "utf8")) as RecordedOp[];
  const variants: Array<[string, CheckOptions]> = [
    ["strict", {}],
    ["modify/remove out of program order", { programOrder: "except-modify-remove" }],
    ["no program order", { programOrder: false }],
    ["tolerance 400 ms", { tolerance: 400 }],
  ];
  for (const [name, options] of variants) {
    const v = checkHistory(history, options);
    console.log(`--- ${name}: ${v.ok ? "linearizable" : "NOT linearizable"}`);
    if (!v.ok) console.log(describeVerdict(v));
  }
  console.log(`labels: ${classify(history).join(", ")}`);
  process.exit(0);
}

const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Math.floor(Math.random() * 1e9) : Number(values.seed);
const keepGoing = values["keep-going"];
const started = Date.now();
const until = started + minutes * 60_000;

console.log(
  `linearizability long run: ${minutes} min, seed ${seed}, ${values.memory ? "InMemoryStore" : "redis-server"}` +
    `${keepGoing ? ", keep going after anomalies" : ""}`,
);

const server = values.memory ? undefined : await startRedis();
const firstOf = new Map<string, { histories: number; seconds: number; seed: number }>();
let checked = 0;
let ops = 0;
let anomalies = 0;
let lastProgress = Date.now();

function onResult(r: HistoryResult): undefined | "stop" {
  checked++;
  ops += r.history.length;
  if (Date.now() - lastProgress > 30_000) {
    lastProgress = Date.now();
    console.log(
      `  ${((Date.now() - started) / 1000).toFixed(0)} s: ${checked} histories, ${ops} calls checked, ${anomalies} anomalous`,
    );
  }
  if (r.ok) return undefined;
  anomalies++;
  if (values.dump !== undefined) {
    mkdirSync(values.dump, { recursive: true });
    writeFileSync(join(values.dump, `${r.seed}.json`), JSON.stringify(r.history));
  }
  const labels = r.keyProblems.length > 0 ? [...classify(r.history), "key invariant"] : classify(r.history);
  const fresh = labels.filter((l) => !firstOf.has(l));
  for (const label of fresh) {
    firstOf.set(label, { histories: checked, seconds: (Date.now() - started) / 1000, seed: r.seed });
  }
  if (fresh.length > 0 || !keepGoing) {
    console.log(
      `\nANOMALY [${labels.join(", ")}] in history ${r.index} (seed ${r.seed}), after ${checked} histories, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s:`,
    );
    if (!values.quiet || !keepGoing) {
      const full = r.verdict.conversations.some((c) => c.report) ? r.verdict : checkHistory(r.history);
      const text = describeVerdict(full);
      if (text) console.log(text);
      for (const p of r.keyProblems) console.log(`  Redis invariant: ${p}`);
    }
  }
  return keepGoing ? undefined : "stop";
}

try {
  const summary = await runHistories(server?.url, {
    seed,
    until,
    ...(values.histories === undefined ? {} : { histories: Number(values.histories) }),
    concurrency: Number(values.concurrency),
    onResult,
    reports: keepGoing ? 0 : 1,
  });
  console.log(
    `\n${summary.histories} histories, ${summary.ops} calls checked in ${(summary.ms / 1000).toFixed(1)} s; ` +
      `${summary.failures.length} anomalous; checker time ${(summary.checkMs / 1000).toFixed(1)} s ` +
      `(${(summary.checkMs / Math.max(1, summary.histories)).toFixed(1)} ms per history, slowest ${summary.slowestCheckMs.toFixed(0)} ms)`,
  );
  if (summary.warnings) console.log(`child process: ${summary.warnings.trim()}`);
  for (const [label, first] of firstOf) {
    console.log(
      `  first "${label}": after ${first.histories} histories, ${first.seconds.toFixed(1)} s (seed ${first.seed})`,
    );
  }
} finally {
  await server?.stop();
}
process.exitCode = anomalies > 0 ? 1 : 0;

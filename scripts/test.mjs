// `npm test` runner (after `pretest` has built build/): runs every build/test/**/*.test.js, or only
// the files/folders given, each file in its own `node --test` (spec reporter), two files at a time
// (CONVMEM_TEST_JOBS=1: one at a time) — but the EXCLUSIVE ones alone, first, and never two HEAVY
// ones together. A file's output is printed, whole, when it ends; then the totals and the
// slowest files.
//   npm test                                   all tests
//   npm test -- test/contract/dict.test.ts     one file (a source path or its build/ path)
//   npm test -- test/contract                  one folder
//   npm test -- --test-name-pattern=incr test/contract/dict.test.ts   node --test flags pass through
// Backends of the contract suite: CONVMEM_TEST_TARGETS=memory,redis,cluster,sentinel (default
// memory,redis,cluster), e.g. `CONVMEM_TEST_TARGETS=memory npm test -- test/contract`.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = join(root, "build");

/** Every *.test.js under `dir`, sorted (as `find … | sort` did). */
function testFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".test.js")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Maps a source path (test/x.test.ts) or a build path (build/test/x.test.js) to build files. */
function resolveTarget(arg) {
  const abs = resolve(arg);
  let rel = relative(root, abs);
  if (rel.startsWith("..")) throw new Error(`${arg}: not inside the project (${root})`);
  if (rel !== "build" && !rel.startsWith("build/")) {
    rel = join("build", rel.replace(/\.(m|c)?ts$/, ".js"));
  }
  const built = join(root, rel);
  if (!existsSync(built)) {
    throw new Error(
      `${arg}: ${relative(root, built)} does not exist (run via \`npm test -- ${arg}\`, which builds first)`,
    );
  }
  if (statSync(built).isDirectory()) return testFiles(built);
  return [built];
}

const flags = [];
const files = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith("-")) flags.push(arg);
  else files.push(...resolveTarget(arg));
}
if (!existsSync(join(buildDir, "test"))) {
  console.error("build/test does not exist: run `npm test` (its pretest builds it) or `npm run build:test`");
  process.exit(1);
}
const selected = files.length > 0 ? files : testFiles(join(buildDir, "test"));
if (selected.length === 0) {
  console.error("no test files selected");
  process.exit(1);
}
/**
 * Files that run alone: they keep both cores busy (the LangGraph validator runs two vitest
 * processes; the linearizability test 64 histories at a time, half in a child process) or time
 * Redis faults and failovers against short deadlines.
 */
const EXCLUSIVE = [
  "langgraph/validator",
  "linearizability/linearizability",
  "cluster/failover",
  "reliability/faults",
];
/** Files that never run beside another of them (npm and tsc, Sentinel, multi-process load). */
const HEAVY = ["install/install", "sentinel/", "reliability/"];
const testRel = (file) => relative(join(buildDir, "test"), file);
const inList = (list) => (file) => list.some((h) => testRel(file).startsWith(h));
const isExclusive = inList(EXCLUSIVE);
const isHeavy = (file) => !isExclusive(file) && inList(HEAVY)(file);
const rank = (file) => (isExclusive(file) ? 0 : isHeavy(file) ? 1 : 2);
// The exclusive files first (alone, at the start), then the heavy ones, then the rest.
const queue = [...selected].sort((a, b) => rank(a) - rank(b));
const jobs = Math.max(1, Number(process.env.CONVMEM_TEST_JOBS ?? 2));
const running = new Set();

/** Whether `file` may start beside the files running now. */
function mayStart(file) {
  if ([...running].some(isExclusive)) return false;
  if (isExclusive(file)) return running.size === 0;
  if (isHeavy(file)) return ![...running].some(isHeavy);
  return true;
}

const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const times = [];
const failed = [];
const started = Date.now();

/** Runs one file in its own `node --test`; prints its output when it ends. */
function runFile(file) {
  return new Promise((resolvePromise) => {
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      ["--test", "--test-concurrency=1", "--test-reporter=spec", ...flags, relative(root, file)],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
    );
    const chunks = [];
    child.stdout.on("data", (d) => chunks.push(d));
    child.stderr.on("data", (d) => chunks.push(d));
    child.on("close", (code, signal) => {
      const output = Buffer.concat(chunks).toString("utf8");
      const seconds = (Date.now() - t0) / 1000;
      for (const [, key, n] of output.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
        totals[key] += Number(n);
      }
      times.push([seconds, relative(root, file)]);
      if (code !== 0) failed.push(`${relative(root, file)} (${signal ?? `exit ${code}`})`);
      process.stdout.write(`\n# ${relative(root, file)}: ${seconds.toFixed(1)} s\n${output}`);
      resolvePromise();
    });
  });
}

/** One of `jobs` workers: takes the next file it may start until none is left. */
async function worker() {
  for (;;) {
    if (queue.length === 0) return;
    const i = queue.findIndex(mayStart);
    if (i === -1) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const [file] = queue.splice(i, 1);
    running.add(file);
    await runFile(file);
    running.delete(file);
  }
}

await Promise.all(Array.from({ length: Math.min(jobs, selected.length) }, worker));

const wall = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\n# ${selected.length} files, ${jobs} at a time, ${wall} s`);
for (const [key, n] of Object.entries(totals)) console.log(`ℹ ${key} ${n}`);
console.log("# slowest files:");
for (const [seconds, file] of times.sort((a, b) => b[0] - a[0]).slice(0, 10)) {
  console.log(`#   ${seconds.toFixed(1).padStart(6)} s  ${file}`);
}
if (failed.length > 0) {
  console.log(`✖ failed files:\n${failed.map((f) => `  ${f}`).join("\n")}`);
  process.exit(1);
}
if (totals.tests === 0) {
  console.error("no test ran");
  process.exit(1);
}

// `npm test` runner (after `pretest` has built build/): runs every build/test/**/*.test.js, or only
// the files/folders given, each file in its own `node --test` (spec reporter), two files at a time
// (CONVMEM_TEST_JOBS=1: one at a time) — but the EXCLUSIVE ones alone, first, and never two HEAVY
// ones together. A file's output is printed, whole, when it ends; then the totals and the
// slowest files. Every 5 minutes a line names the files running. A test fails after 300 s
// (CONVMEM_TEST_TIMEOUT_MS) unless it sets its own timeout; a file is killed and fails after
// 900 s (CONVMEM_FILE_TIMEOUT_MS).
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
/** The files running now, with their start times. */
const running = new Map();

/** Whether `file` may start beside the files running now. */
function mayStart(file) {
  if ([...running.keys()].some(isExclusive)) return false;
  if (isExclusive(file)) return running.size === 0;
  if (isHeavy(file)) return ![...running.keys()].some(isHeavy);
  return true;
}

const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const times = [];
const failed = [];
const started = Date.now();

/**
 * A test with no timeout of its own fails after this long (node's default is none: a test
 * waiting forever would stall the run, as it once stalled CI for 90 minutes without a word of
 * where); a file is killed, with its process group, after
 * FILE_TIMEOUT_MS. Both are far above the slowest test and file (~150 s) on a busy 2-core machine.
 */
const TEST_TIMEOUT_MS = Number(process.env.CONVMEM_TEST_TIMEOUT_MS ?? 300_000);
const FILE_TIMEOUT_MS = Number(process.env.CONVMEM_FILE_TIMEOUT_MS ?? 900_000);

/**
 * Runs one file in its own `node --test` (its own process group); prints its output when it
 * ends. Ends on the child's exit, not on its pipes' close: a process the file left behind may
 * hold them open. A file over FILE_TIMEOUT_MS is killed and fails, with what it printed.
 */
function runFile(file) {
  return new Promise((resolvePromise) => {
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      [
        "--test",
        "--test-concurrency=1",
        "--test-reporter=spec",
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        // Once its tests have ended, the file's process exits, even with a handle left open.
        "--test-force-exit",
        ...flags,
        relative(root, file),
      ],
      {
        cwd: root,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, FORCE_COLOR: "0" },
      },
    );
    running.set(file, t0);
    const chunks = [];
    child.stdout.on("data", (d) => chunks.push(d));
    child.stderr.on("data", (d) => chunks.push(d));
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, FILE_TIMEOUT_MS);
    let done = false;
    const finish = (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      killGroup(); // whatever the file left running
      running.delete(file);
      const output = Buffer.concat(chunks).toString("utf8");
      const seconds = (Date.now() - t0) / 1000;
      for (const [, key, n] of output.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
        totals[key] += Number(n);
      }
      times.push([seconds, relative(root, file)]);
      const why = timedOut ? `killed after ${FILE_TIMEOUT_MS / 1000} s` : (signal ?? `exit ${code}`);
      if (code !== 0 || timedOut) failed.push(`${relative(root, file)} (${why})`);
      const note = timedOut ? `\n✖ ${relative(root, file)}: killed after ${FILE_TIMEOUT_MS / 1000} s\n` : "";
      process.stdout.write(`\n# ${relative(root, file)}: ${seconds.toFixed(1)} s\n${output}${note}`);
      resolvePromise();
    };
    child.on("close", finish);
    // The pipes may stay open in a process the file left behind: end 2 s after the exit anyway.
    child.on("exit", (code, signal) => setTimeout(() => finish(code, signal), 2000).unref());
    child.on("error", (error) => {
      chunks.push(Buffer.from(`could not start node --test: ${error.message}\n`));
      finish(1, null);
    });
  });
}

// Every 5 minutes, which files are running and for how long: a stalled run says where.
const heartbeat = setInterval(() => {
  const now = Date.now();
  const list = [...running].map(([f, t]) => `${relative(root, f)} (${Math.round((now - t) / 1000)} s)`);
  console.log(`# ${Math.round((now - started) / 1000)} s: running ${list.join(", ") || "nothing"}`);
}, 300_000);
heartbeat.unref();

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
    await runFile(file);
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

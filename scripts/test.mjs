// `npm test` runner (after `pretest` has built build/): runs every build/test/**/*.test.js, or only
// the files/folders given, with node --test, one file at a time, spec reporter.
//   npm test                                   all tests
//   npm test -- test/contract/dict.test.ts     one file (a source path or its build/ path)
//   npm test -- test/contract                  one folder
//   npm test -- --test-name-pattern=incr test/contract/dict.test.ts   node --test flags pass through
// Backends of the contract suite: CONVMEM_TEST_TARGETS=memory,redis,cluster,sentinel (default
// memory,redis,cluster), e.g. `CONVMEM_TEST_TARGETS=memory npm test -- test/contract`.
import { spawnSync } from "node:child_process";
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
const result = spawnSync(
  process.execPath,
  [
    "--test",
    "--test-concurrency=1",
    "--test-reporter=spec",
    ...flags,
    ...selected.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: "inherit" },
);
if (result.error) throw result.error;
process.exit(result.status ?? 1);

/**
 * The `convmem/testing` proof: vitest runs the store contract, imported through the package's
 * "exports" (dist/, as a third party would), on an InMemoryStore, and every registered test
 * passes. Also: the main entry `convmem` does not load `convmem/testing`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StoreContractOptions } from "../../src/testing/index.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const dist = join(root, "dist");
const vitestBin = join(root, "node_modules", "vitest", "vitest.mjs");

interface VitestReport {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
}

function requireDist(): void {
  assert.ok(
    existsSync(join(dist, "testing", "index.js")),
    "dist/testing/index.js is missing: run `npm run build` (npm test's pretest does)",
  );
}

/** The titles of the tests `runStoreContract` registers, from a runner that only records. */
async function registeredTitles(): Promise<string[]> {
  const mod = (await import(pathToFileURL(join(dist, "testing", "index.js")).href)) as {
    runStoreContract: (options: StoreContractOptions) => void;
  };
  const titles: string[] = [];
  const describe = (_name: string, fn: () => void) => fn();
  mod.runStoreContract({
    name: "count",
    createStore: () => {
      throw new Error("not called: nothing runs");
    },
    describe,
    describeConcurrent: describe,
    it: (name) => titles.push(name),
    before: () => {},
    after: () => {},
  });
  return titles;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, CI: "true", NO_COLOR: "1" } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

describe("convmem/testing under vitest", () => {
  it("vitest runs runStoreContract from the built package on an InMemoryStore: every test passes", async () => {
    requireDist();
    assert.ok(existsSync(vitestBin), "vitest is not installed: run npm ci");
    const expected = await registeredTitles();
    assert.ok(expected.length > 150, `the contract registers ${expected.length} tests`);
    const dir = mkdtempSync(join(tmpdir(), "convmem-vitest-"));
    try {
      const outputFile = join(dir, "report.json");
      const { code, output } = await run(process.execPath, [
        vitestBin,
        "run",
        "--config",
        "test/vitest/vitest.config.mjs",
        "--reporter=json",
        `--outputFile=${outputFile}`,
        "contract.vitest.mjs",
      ]);
      assert.equal(code, 0, `vitest exited with ${code}:\n${output.slice(-4000)}`);
      const report = JSON.parse(readFileSync(outputFile, "utf8")) as VitestReport;
      assert.equal(report.success, true);
      assert.equal(report.numFailedTests, 0);
      assert.equal(report.numTotalTests, expected.length, "vitest ran every registered test");
      assert.equal(report.numPassedTests, expected.length);
      const ran = report.testResults.flatMap((f) => f.assertionResults);
      assert.deepEqual(ran.map((r) => r.title).sort(), [...expected].sort());
      assert.ok(ran.every((r) => r.status === "passed"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the main entry never loads convmem/testing", () => {
    requireDist();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from\s*|import\s*\(?\s*)["'](\.[^"']+)["']/g)) {
        const spec = m[1];
        if (spec !== undefined) visit(resolve(dirname(file), spec));
      }
    };
    visit(join(dist, "index.js"));
    assert.ok(seen.size > 10, `followed ${seen.size} modules from dist/index.js`);
    const testing = [...seen].filter((f) => f.startsWith(join(dist, "testing")));
    assert.deepEqual(testing, []);
  });
});

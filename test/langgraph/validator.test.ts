/**
 * LangGraph's own conformance suite, `@langchain/langgraph-checkpoint-validation` 1.1.1 (its
 * `validate()` export; the published CLI fails with a missing export), on `ConvmemSaver` from
 * the built package, under vitest in a child process: once on a standalone redis-server and
 * once on a 3-master Cluster, both at the same time. Every test passes and none is skipped
 * (718 per target with 1.1.1); the counts and times are printed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../helpers/node-child.js";
import { type RedisCluster, startCluster } from "../helpers/redis-cluster.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const vitestBin = join(repoRoot, "node_modules", "vitest", "vitest.mjs");

interface VitestReport {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{
    assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

function runVitest(
  redis: object,
  outputFile: string,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        vitestBin,
        "run",
        "--config",
        "test/langgraph/vitest.config.mjs",
        "--reporter=json",
        `--outputFile=${outputFile}`,
        "validator.vitest.mjs",
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, CI: "true", NO_COLOR: "1", CONVMEM_LANGGRAPH_REDIS: JSON.stringify(redis) },
      },
    );
    let output = "";
    const collect = (d: Buffer) => {
      output += d.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

describe("LangGraph checkpoint validator on ConvmemSaver", () => {
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  const dir = mkdtempSync(join(tmpdir(), "convmem-langgraph-"));

  before(async () => {
    [server, cluster] = await Promise.all([startRedis(), startCluster({ masters: 3 })]);
  });

  after(async () => {
    await Promise.allSettled([server?.stop(), cluster?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes every test, none skipped, on standalone Redis and on a 3-master Cluster", {
    timeout: 300_000,
  }, async () => {
    assert.ok(existsSync(join(repoRoot, "dist", "langgraph", "index.js")), "run `npm run build` first");
    assert.ok(server !== undefined && cluster !== undefined);
    const targets = [
      { name: "standalone Redis", redis: { url: server.url } },
      { name: "Redis Cluster (3 masters)", redis: { rootNodes: cluster.rootNodes } },
    ];
    const runs = await Promise.all(
      targets.map(async (t, i) => {
        const file = join(dir, `report-${i}.json`);
        return { ...t, file, ...(await runVitest(t.redis, file)) };
      }),
    );
    for (const run of runs) {
      assert.equal(run.code, 0, `${run.name}: vitest exited with ${run.code}:\n${run.output.slice(-4000)}`);
      const report = JSON.parse(readFileSync(run.file, "utf8")) as VitestReport;
      const results = report.testResults.flatMap((f) => f.assertionResults);
      const failed = results.filter((r) => r.status !== "passed");
      console.log(
        `# LangGraph validator (ConvmemSaver, ${run.name}): ${report.numPassedTests} passed, ` +
          `${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped, ` +
          `${(run.ms / 1000).toFixed(1)} s`,
      );
      assert.deepEqual(
        failed.map((r) => `${r.status}: ${r.fullName} ${r.failureMessages.join("\n").slice(0, 300)}`),
        [],
      );
      assert.equal(report.numPendingTests + report.numTodoTests, 0, "no test skipped");
      assert.equal(report.numPassedTests, report.numTotalTests);
      assert.ok(report.numPassedTests >= 718, `${report.numPassedTests} tests ran (718 expected with 1.1.1)`);
    }
  });
});

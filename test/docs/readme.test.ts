/**
 * The README's quick start, executed as written (only the package import is pointed at the
 * built package) against a real redis-server, checking what its comments promise.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

function quickStart(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split("## Quick start")[1];
  assert.ok(section, "README has a Quick start section");
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "the Quick start has a js code block");
  return block;
}

describe("README quick start", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("is at most 20 lines", () => {
    assert.ok(quickStart().trim().split("\n").length <= 20);
  });

  it("runs as written and prints what its comments say", async () => {
    const dist = join(root, "dist", "index.js");
    const code = quickStart().replace('from "convmem"', `from ${JSON.stringify(dist)}`);
    assert.notEqual(code, quickStart(), "the import was rewritten");
    const dir = mkdtempSync(join(tmpdir(), "convmem-readme-"));
    try {
      const file = join(dir, "quickstart.mjs");
      writeFileSync(file, code);
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: { ...process.env, REDIS_URL: server.url },
        timeout: 20_000,
      });
      assert.deepEqual(stdout.trim().split("\n"), ["en 2 2", "3600"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

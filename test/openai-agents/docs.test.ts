/**
 * docs/openai-agents.md: its "Using the session directly" example runs as written (only the
 * package imports are pointed at the built package) and prints what its comments say; the
 * Redis layout it shows is the one a session writes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createClient } from "redis";
import { createMemoryManager } from "../../src/index.js";
import { ConvmemSession } from "../../src/openai-agents/index.js";
import { repoRoot } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const doc = () => readFileSync(join(repoRoot, "docs", "openai-agents.md"), "utf8");

describe("docs/openai-agents.md", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("the direct-use example runs as written and prints what its comments say", async () => {
    const section = doc().split("## Using the session directly")[1];
    const block = section && /```js\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, "the section has a js block");
    const code = block
      .replace(
        'from "convmem/openai-agents"',
        `from ${JSON.stringify(join(repoRoot, "dist/openai-agents/index.js"))}`,
      )
      .replace('from "convmem"', `from ${JSON.stringify(join(repoRoot, "dist/index.js"))}`);
    assert.ok(!code.includes('from "convmem'), "both imports rewritten");
    const expected = [...block.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    assert.equal(expected.length, 3);
    const dir = mkdtempSync(join(tmpdir(), "convmem-oa-docs-"));
    try {
      const file = join(dir, "example.mjs");
      writeFileSync(file, code);
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: { ...process.env, REDIS_URL: server.url },
        timeout: 20_000,
      });
      assert.deepEqual(stdout.trim().split("\n"), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the Redis layout shown is what a session writes", async () => {
    const manager = createMemoryManager({ redis: server.url });
    const session = new ConvmemSession({ sessionId: "conv_123", manager });
    await session.addItems([{ role: "user", content: "hi" }]);
    await session.applyHistoryTransaction({
      operationId: "run-1:1:blocked_append:0:0",
      transaction: {
        type: "append_items",
        items: [
          {
            type: "message",
            role: "assistant",
            content: [{ type: "output_text", text: "Hello!" }],
            status: "completed",
          },
        ],
      },
    });
    await manager.close();
    const client = createClient({ url: server.url });
    await client.connect();
    try {
      const list = await client.lRange("memory:conv:{conv_123}:agent_items", 0, -1);
      const ops = await client.hGetAll("memory:conv:{conv_123}:agent_items:ops");
      const shown = doc().split("$ redis-cli lrange")[1]?.split("```")[0] ?? "";
      for (const line of [...list, ...Object.entries(ops).flat()]) assert.ok(shown.includes(line), line);
    } finally {
      client.destroy();
    }
  });
});

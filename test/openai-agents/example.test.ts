/**
 * examples/openai-agents.mjs as the README runs it (offline: the scripted model, no
 * OPENAI_API_KEY): two worker processes serve alternate turns, the third turn is answered from
 * the history the other process wrote, and on a Redis it did not start it leaves nothing behind.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createClient } from "redis";
import { repoRoot } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const run = promisify(execFile);

/** The environment without Redis or OpenAI settings of the caller. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ["OPENAI_API_KEY", ...(extra.REDIS_URL ? [] : ["REDIS_URL"]), "CONVMEM_REDIS_URL"])
    delete env[name];
  return env;
}

function checkOutput(stdout: string): void {
  assert.match(stdout, /scripted model, offline/);
  assert.match(stdout, /agent \(worker-1\): Order 1042: shipped on Monday/);
  assert.match(stdout, /agent \(worker-2\): Order 1043: being packed/);
  assert.match(stdout, /agent \(worker-1\): You asked me about orders 1042 and 1043\./);
  assert.match(stdout, /the session holds 10 items/);
  assert.match(stdout, /function_call\s+lookup_order\(\{"orderId":"1043"\}\)/);
}

describe("examples/openai-agents.mjs", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("runs offline on a redis-server it starts itself", async () => {
    const { stdout } = await run(process.execPath, ["examples/openai-agents.mjs"], {
      cwd: repoRoot,
      env: cleanEnv(),
      timeout: 60_000,
    });
    checkOutput(stdout);
  });

  it("on REDIS_URL it removes what it wrote", async () => {
    const { stdout } = await run(process.execPath, ["examples/openai-agents.mjs"], {
      cwd: repoRoot,
      env: cleanEnv({ REDIS_URL: server.url }),
      timeout: 60_000,
    });
    checkOutput(stdout);
    const client = createClient({ url: server.url });
    await client.connect();
    try {
      const [, keys] = (await client.sendCommand([
        "SCAN",
        "0",
        "MATCH",
        "convmem-example-*",
        "COUNT",
        "10000",
      ])) as [string, string[]];
      assert.deepEqual(keys, []);
    } finally {
      client.destroy();
    }
  });
});

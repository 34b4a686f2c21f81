/**
 * The demo as users run it: real worker processes (forked by the demo), one killed mid-run,
 * redeliveries — then this test checks the result itself, independently of the demo's own
 * verification, by reading every conversation back through the public API.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createMemoryManager, type Message } from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const run = promisify(execFile);
const demo = fileURLToPath(new URL("../../../examples/demo.mjs", import.meta.url));
const CONVERSATIONS = 60;
const MESSAGES = 12;

describe("demo", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("4 worker processes, one killed mid-run: every history complete, ordered, duplicate-free; counters exact", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        demo,
        "--workers",
        "4",
        "--conversations",
        String(CONVERSATIONS),
        "--messages",
        String(MESSAGES),
        "--concurrency",
        "16",
        "--keep",
      ],
      { env: { ...process.env, REDIS_URL: server.url }, timeout: 120_000 },
    );
    assert.match(stdout, /fault: worker pid \d+ killed \(SIGKILL\)/);
    // On a Redis it did not start, the demo writes under its own prefix (kept here: --keep).
    const keyPrefix = /key prefix: (convmem-demo-[0-9a-f]+)/.exec(stdout)?.[1];
    assert.ok(keyPrefix, stdout);
    assert.match(stdout, /verified: all 60 histories complete/);
    assert.match(stdout, /throughput: \d+ inbound messages\/s/);
    assert.match(stdout, /addMessage +n= *\d+ +p50=[\d.]+ +p99=[\d.]+/);

    const manager = createMemoryManager({ redis: server.url, keyPrefix });
    try {
      const stats = await manager.getStats();
      assert.equal(stats.totalConversations, CONVERSATIONS);
      for (let c = 0; c < CONVERSATIONS; c++) {
        const memory = manager.getMemory(`sms:+1555${String(c).padStart(6, "0")}`);
        const history: Message[] = await memory.getMessages();
        const expected = Array.from({ length: MESSAGES }, (_, k) => [
          `sms-${c}-${k}:in`,
          `sms-${c}-${k}:out`,
        ]).flat();
        assert.deepEqual(
          history.map((m) => m.id),
          expected,
        );
        assert.deepEqual(
          history.map((m) => m.role),
          expected.map((id) => (id.endsWith(":in") ? "user" : "assistant")),
        );
        const counters = (await memory.get("conversation_stats")) as { message_count: number };
        assert.equal(counters.message_count, MESSAGES);
        const prefs = (await memory.get("user_preferences")) as { response_length: string };
        assert.equal(prefs.response_length, "short", "the 'set short' message took effect");
      }
    } finally {
      await manager.close();
    }
  });

  it("--cluster starts a 3-master Redis Cluster and verifies as before", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.REDIS_URL;
    const { stdout } = await run(
      process.execPath,
      [
        demo,
        "--cluster",
        "--workers",
        "3",
        "--conversations",
        "40",
        "--messages",
        "6",
        "--concurrency",
        "12",
      ],
      { env, timeout: 120_000 },
    );
    assert.match(stdout, /Redis at redis\+cluster:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
    assert.match(stdout, /fault: worker pid \d+ killed/);
    assert.match(stdout, /getStats\(\): 40 conversations/);
    assert.match(stdout, /verified: all 40 histories complete/);
  });

  it("without redis-server on PATH it runs in memory, says how to get Redis, and still verifies", async () => {
    const bin = mkdtempSync(join(tmpdir(), "convmem-nodeonly-"));
    try {
      symlinkSync(process.execPath, join(bin, "node"));
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
      delete env.REDIS_URL;
      const { stdout } = await run(process.execPath, [demo, "--conversations", "30", "--messages", "6"], {
        env,
        timeout: 60_000,
      });
      assert.match(stdout, /redis-server not found on PATH: running single-process on InMemoryStore/);
      assert.match(stdout, /apt-get install -y redis-server/);
      assert.match(stdout, /verified: all 30 histories complete/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

/**
 * The demo on a Redis it did not start (REDIS_URL) that already holds other convmem data under
 * the default prefix: it verifies only its own data (under a prefix of its own), passes, and
 * leaves that data, and nothing of its own, behind.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "redis";
import { createMemoryManager } from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

const run = promisify(execFile);

/** Every key of the server, by SCAN (the test servers disable KEYS). */
async function allKeys(client: { sendCommand(args: string[]): Promise<unknown> }): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = (await client.sendCommand(["SCAN", cursor, "COUNT", "1000"])) as [string, string[]];
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys.sort();
}
const demo = fileURLToPath(new URL("../../../examples/demo.mjs", import.meta.url));

describe("demo on a Redis it did not start", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("keeps to its own key prefix, verifies only its data, removes it, and leaves other data alone", async () => {
    // Someone else's convmem data, under the default prefix, including a demo-like id.
    const other = createMemoryManager({ redis: server.url });
    const ids = ["sms:+1555000000", "someone-else", "sms:+1555000003"];
    for (const id of ids) {
      const memory = other.getMemory(id);
      await memory.set("owner", "not the demo");
      await memory.addMessage("user", `hello from ${id}`, {}, { id: "theirs" });
    }
    const admin = createClient({ url: server.url });
    await admin.connect();
    try {
      await admin.set("unrelated:key", "x");
      const keysBefore = await allKeys(admin);

      const { stdout } = await run(
        process.execPath,
        [
          demo,
          "--workers",
          "2",
          "--conversations",
          "8",
          "--messages",
          "3",
          "--concurrency",
          "4",
          "--no-kill",
        ],
        { env: { ...process.env, REDIS_URL: server.url }, timeout: 60_000 },
      );
      assert.match(stdout, /key prefix: convmem-demo-[0-9a-f]+/);
      assert.match(stdout, /getStats\(\): 8 conversations/, "it counted only its own conversations");
      assert.match(stdout, /verified: all 8 histories complete/);
      assert.match(
        stdout,
        /removed the demo's data \(key prefix convmem-demo-[0-9a-f]+\); 0 conversations left/,
      );

      assert.deepEqual(await allKeys(admin), keysBefore, "nothing of the demo's is left");
      assert.equal(await admin.get("unrelated:key"), "x");
      const stats = await other.getStats();
      assert.equal(stats.totalConversations, ids.length);
      for (const id of ids) {
        const memory = other.getMemory(id);
        assert.equal(await memory.get("owner"), "not the demo");
        assert.deepEqual(
          (await memory.getMessages()).map((m) => [m.id, m.content]),
          [["theirs", `hello from ${id}`]],
        );
      }
    } finally {
      await admin.close();
      await other.close();
    }
  });
});

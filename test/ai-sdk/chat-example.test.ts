/**
 * examples/ai-sdk-chat in a real Chromium (the shared harness, test/helpers/browser.ts) on a
 * real redis-server: send a message and see the streamed reply, reload and see the history,
 * SIGKILL the server mid-stream, restart it, reload and see the partial reply. Fails (never
 * skips) when Chromium cannot start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { useBrowser } from "../helpers/browser.js";
import { type NodeChild, repoRoot, runNode } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

const SERVER = join(repoRoot, "examples", "ai-sdk-chat", "server.mjs");

describe("examples/ai-sdk-chat in Chromium", () => {
  const browser = useBrowser();
  let redis: RedisServer;
  const servers: NodeChild[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const s of servers) s.process.kill("SIGKILL");
    await redis?.stop();
  });

  async function startServer(): Promise<number> {
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redis.url, PORT: "0", MOCK_DELAY_MS: "40" };
    delete env.AI_GATEWAY_API_KEY; // the offline mock, whatever the machine has
    const server = runNode(SERVER, [], { env });
    servers.push(server);
    assert.equal(await server.nextLine(), "model mock (offline, 40 ms a chunk)");
    const line = await server.nextLine();
    assert.match(line, /^listening \d+$/);
    return Number(line.split(" ")[1]);
  }

  it("streams, keeps the history, and keeps a partial reply across a SIGKILLed server", async () => {
    const chatId = freshId();
    let port = await startServer();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?chat=${chatId}`);
    await page.waitForSelector("body[data-ready=true]");
    await page.fill("#input", "hello there");
    await page.click("#send");
    await page.waitForFunction("document.querySelector('.assistant')?.textContent?.includes('word40')");
    const reply = await page.textContent(".assistant");
    assert.match(reply ?? "", /^You said: "hello there"\. word1 word2/);

    // The final save lands just after the stream's last chunk reaches the page: a reload at that
    // very moment may still show the last progressive save, so reload until it is the full reply.
    let stored: string | null = null;
    for (let attempt = 0; attempt < 20 && stored !== reply; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
      await page.reload();
      await page.waitForSelector("body[data-ready=true]");
      stored = await page.textContent(".assistant");
    }
    assert.deepEqual(await page.$$eval(".msg", (els) => els.map((e) => e.className)), [
      "msg user",
      "msg assistant",
    ]);
    assert.equal(stored, reply);

    // mid-stream: kill the server with SIGKILL once the page shows word10
    await page.fill("#input", "tell me more");
    await page.click("#send");
    await page.waitForFunction("document.querySelectorAll('.assistant')[1]?.textContent?.includes('word10')");
    const server = servers[servers.length - 1] as NodeChild;
    server.process.kill("SIGKILL");
    assert.equal((await server.exit(10_000)).signal, "SIGKILL");
    const seen = (await page.$$eval(".assistant", (els) => els.map((e) => e.textContent)))[1] ?? "";

    port = await startServer();
    await page.goto(`http://127.0.0.1:${port}/?chat=${chatId}`);
    await page.waitForSelector("body[data-ready=true]");
    const texts = await page.$$eval(".msg", (els) => els.map((e) => [e.className, e.textContent]));
    assert.equal(texts.length, 4, JSON.stringify(texts));
    assert.deepEqual(texts[2], ["msg user", "tell me more"]);
    const partial = texts[3]?.[1] ?? "";
    assert.match(partial, /^You said: "tell me more"\. word1 /);
    assert.ok(!partial.includes("word40"), `the reply was cut off: ${partial}`);
    assert.ok(
      seen.startsWith(partial.slice(0, 30)) && partial.length >= 30,
      `partial ${partial} / seen ${seen}`,
    );
    assert.deepEqual(page.problems.pageErrors, []);
  });
});

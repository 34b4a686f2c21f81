/**
 * examples/ai-sdk-chat in a real Chromium (the shared harness, test/helpers/browser.ts) on a
 * real redis-server: the page is the AI SDK's own client (AbstractChat + DefaultChatTransport,
 * bundled by the server) sending only the new message; send a message and see the streamed
 * reply, reload and see the history, SIGKILL the server mid-stream, restart it, reload and see
 * the partial reply; Stop keeps a partial reply too. Fails (never skips) when Chromium cannot
 * start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { type PageProblems, useBrowser } from "../helpers/browser.js";
import { type NodeChild, repoRoot, runNode } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

const SERVER = join(repoRoot, "examples", "ai-sdk-chat", "server.mjs");

/** Reloads until the stored reply at `index` satisfies `done` (the final save lands just after the stream's end). */
async function reloadUntil(page: Page, index: number, done: (text: string) => boolean): Promise<string> {
  let stored = "";
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    stored = (await page.$$eval(".assistant", (els) => els.map((e) => e.textContent ?? "")))[index] ?? "";
    if (done(stored)) break;
  }
  return stored;
}

const classes = (page: Page) => page.$$eval(".msg", (els) => els.map((e) => e.className));

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

  async function openChat(port: number, chatId: string): Promise<Page & { problems: PageProblems }> {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?chat=${chatId}`);
    await page.waitForSelector("body[data-ready=true]");
    return page;
  }

  it("serves the page's script as a bundle of the AI SDK's own client", async () => {
    const port = await startServer();
    const res = await fetch(`http://127.0.0.1:${port}/client.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
    const js = await res.text();
    // DefaultChatTransport's default endpoint and option, AbstractChat's API, the SDK's user agent
    for (const needle of ['api:e="/api/chat"', "prepareSendMessagesRequest", "resumeStream", "ai-sdk/"])
      assert.ok(js.includes(needle), `client.js lacks ${needle}`);
    assert.ok(js.length > 100_000, `${js.length} bytes: not a bundle of ai`);
  });

  it("streams, keeps the history, and keeps a partial reply across a SIGKILLed server", async () => {
    const chatId = freshId();
    let port = await startServer();
    const page = await openChat(port, chatId);
    // the page drives an AbstractChat (its methods, its status), not a hand-written client
    assert.deepEqual(
      await page.evaluate(() => {
        const chat = (globalThis as unknown as { chat: Record<string, unknown> }).chat;
        return [chat.id, chat.status, typeof chat.sendMessage, typeof chat.resumeStream, typeof chat.stop];
      }),
      [chatId, "ready", "function", "function", "function"],
    );
    assert.equal(await page.textContent("#model"), "mock (offline, 40 ms a chunk)");
    await page.fill("#input", "hello there");
    await page.click("#send");
    await page.waitForFunction("document.querySelector('.assistant')?.textContent?.includes('word40')");
    const reply = await page.textContent(".assistant");
    assert.match(reply ?? "", /^You said: "hello there"\. word1 word2/);
    await page.waitForSelector("body[data-status=ready]");

    const stored = await reloadUntil(page, 0, (text) => text === reply);
    assert.deepEqual(await classes(page), ["msg user", "msg assistant"]);
    assert.equal(stored, reply);

    // the transport sends only the new message; the server has the history
    const request = page.waitForRequest((r) => r.url().endsWith("/api/chat") && r.method() === "POST");
    await page.fill("#input", "tell me more");
    await page.click("#send");
    const sent = (await request).postDataJSON();
    assert.deepEqual(Object.keys(sent).sort(), ["id", "message"]);
    assert.equal(sent.id, chatId);
    assert.equal(sent.message.role, "user");
    assert.deepEqual(sent.message.parts, [{ type: "text", text: "tell me more" }]);

    // mid-stream: kill the server with SIGKILL once the page shows word10
    await page.waitForFunction("document.querySelectorAll('.assistant')[1]?.textContent?.includes('word10')");
    assert.deepEqual(page.problems.consoleErrors, []);
    const server = servers[servers.length - 1] as NodeChild;
    server.process.kill("SIGKILL");
    assert.equal((await server.exit(10_000)).signal, "SIGKILL");
    await page.waitForSelector("body[data-status=error]"); // the chat saw its stream break
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
    // the page logged no error: the one there is Chromium's report of the stream the SIGKILL cut
    // ("Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING")
    const { consoleErrors, pageErrors } = page.problems;
    assert.ok(consoleErrors.length <= 1, JSON.stringify(consoleErrors));
    for (const e of consoleErrors) assert.match(e, /^Failed to load resource: net::ERR_/);
    assert.deepEqual(pageErrors, []);
  });

  it("Stop (chat.stop()) ends the reply, and the partial reply is kept", async () => {
    const chatId = freshId();
    const page = await openChat(await startServer(), chatId);
    await page.fill("#input", "stop soon");
    await page.click("#send");
    await page.waitForFunction("document.querySelector('.assistant')?.textContent?.includes('word5')");
    await page.click("#stop");
    await page.waitForSelector("body[data-status=ready]");
    const seen = (await page.textContent(".assistant")) ?? "";
    assert.ok(!seen.includes("word40"), seen);

    const stored = await reloadUntil(page, 0, (text) => text.startsWith(seen));
    assert.deepEqual(await classes(page), ["msg user", "msg assistant"]);
    assert.ok(stored.startsWith(seen) && !stored.includes("word40"), `stored ${stored} / seen ${seen}`);

    // the chat goes on from the stored history
    await page.fill("#input", "and now?");
    await page.click("#send");
    await page.waitForFunction("document.querySelectorAll('.assistant')[1]?.textContent?.includes('word40')");
    assert.deepEqual(await classes(page), ["msg user", "msg assistant", "msg user", "msg assistant"]);
    assert.deepEqual(page.problems, { consoleErrors: [], pageErrors: [] });
  });
});

/**
 * `convmem inspect` in a real Chromium (test/helpers/browser.ts): on a redis-server filled by
 * the bundled demo (`convmem demo --keep`), the page lists the demo's conversations newest
 * first, opens one, shows its history as a chat with metadata on demand and a TTL counting
 * down, shows a message the test adds while the page polls, refuses writes without
 * --allow-writes, performs one with it, and on a non-loopback bind demands the token.
 * Fails (never skips) when Chromium cannot be found or started.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConversationInfo, MemoryManager } from "../../src/index.js";
import { useBrowser } from "../helpers/browser.js";
import { runCli, useCliRedis } from "../helpers/cli.js";
import { type InspectorProcess, startInspectorCli } from "../helpers/inspector.js";
import { sleep } from "../helpers/targets.js";

const DEMO = [
  "--workers",
  "2",
  "--conversations",
  "12",
  "--messages",
  "4",
  "--concurrency",
  "4",
  "--no-kill",
];

describe("convmem inspect in Chromium", () => {
  const redis = useCliRedis();
  const browser = useBrowser();
  const running: InspectorProcess[] = [];
  let prefix = "";
  let manager: MemoryManager;
  let readOnly: InspectorProcess;

  before(async () => {
    const demo = await runCli(["--url", redis.url, "demo", "--keep", ...DEMO]);
    assert.equal(demo.code, 0, demo.stderr);
    prefix = /^key prefix: (\S+)/m.exec(demo.stdout)?.[1] ?? "";
    assert.ok(prefix !== "", `the demo names its key prefix: ${demo.stdout}`);
    manager = redis.manager({ keyPrefix: prefix });
    readOnly = await start();
  });
  after(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  async function start(...args: string[]): Promise<InspectorProcess> {
    const p = await startInspectorCli(["--prefix", prefix, "--poll", "300", ...args], {
      CONVMEM_REDIS_URL: redis.url,
    });
    running.push(p);
    return p;
  }

  async function newestFirst(): Promise<ConversationInfo[]> {
    const all: ConversationInfo[] = [];
    for await (const c of manager.conversations()) all.push(c);
    return all.sort(
      (a, b) => b.lastActivity - a.lastActivity || (a.conversationId < b.conversationId ? -1 : 1),
    );
  }

  it("lists the demo's conversations newest first, filters by id prefix, opens one's history", async () => {
    const page = await browser.newPage();
    await page.goto(readOnly.url);
    await page.waitForSelector("#conversations tbody tr");
    const expected = await newestFirst();
    assert.equal(expected.length, 12);
    const shown = await page.$$eval("#conversations tbody tr", (rows) =>
      rows.map((r) => r.getAttribute("data-id")),
    );
    assert.deepEqual(
      shown,
      expected.map((c) => c.conversationId),
    );
    assert.match((await page.textContent("#list-note")) ?? "", /read to its end: the order is exact/);
    assert.match((await page.textContent("#mode")) ?? "", /read-only/);
    // TTLs arrive for the rows on screen.
    await page.waitForFunction(
      "[...document.querySelectorAll('#conversations td.ttl')].every((td) => /min/.test(td.textContent))",
    );
    // Filter by the first id's prefix (its first 8 characters).
    const target = expected[0]?.conversationId ?? "";
    const idPrefix = target.slice(0, 8);
    await page.fill("#id-prefix", idPrefix);
    await page.click("#filter button[type=submit]");
    await page.waitForFunction(
      `[...document.querySelectorAll("#conversations tbody tr")].every((r) => r.dataset.id.startsWith(${JSON.stringify(idPrefix)}))`,
    );
    await page.click(`#conversations tr[data-id="${target}"] a`);
    await page.waitForSelector("#history li");
    assert.equal(await page.textContent("#conversation-id"), target);
    const messages = await manager.getMemory(target).getMessages();
    const bubbles = await page.$$eval("#history li", (lis) =>
      lis.map((li) => ({
        role: li.querySelector(".role")?.textContent,
        content: li.querySelector(".content")?.textContent,
      })),
    );
    assert.deepEqual(
      bubbles,
      messages.map((m) => ({ role: m.role, content: m.content })),
    );
    // Metadata on demand: collapsed until opened.
    const withMeta = messages.findIndex((m) => Object.keys(m.metadata).length > 0);
    assert.ok(withMeta >= 0, "the demo's messages carry metadata");
    const summary = page
      .locator("#history li")
      .nth(withMeta)
      .locator("details.raw summary", { hasText: "metadata" });
    const pre = page
      .locator("#history li")
      .nth(withMeta)
      .locator('details.raw:has(> summary:text-is("metadata")) > pre');
    assert.equal(await pre.isVisible(), false);
    await summary.click();
    assert.deepEqual(JSON.parse((await pre.textContent()) ?? ""), messages[withMeta]?.metadata);
    // Every field as pretty JSON, sizes as getMemorySize says.
    const fields = await page.$$eval(".field", (els) => els.map((e) => e.getAttribute("data-field")));
    assert.deepEqual(fields, await manager.getMemory(target).keys());
    // The TTL counts down.
    const ttlBefore = await page.textContent("#ttl");
    await sleep(2100);
    const ttlAfter = await page.textContent("#ttl");
    assert.match(ttlBefore ?? "", /^\d+ min \d+ s$/);
    assert.notEqual(ttlAfter, ttlBefore);
    assert.deepEqual(page.problems.pageErrors, []);
  });

  it("shows a message added while the page polls, as it arrives", async () => {
    const [first] = await newestFirst();
    const id = first?.conversationId ?? "";
    const page = await browser.newPage();
    await page.goto(`${readOnly.url}#/c/${encodeURIComponent(id)}`);
    await page.waitForSelector("#history li");
    const before = await page.locator("#history li").count();
    const text = `arrived while polling <b>${Date.now()}</b>`;
    await manager.getMemory(id).addMessage("assistant", text, { source: "browser test" });
    const added = page.locator("#history li.new .content", { hasText: text });
    await added.waitFor({ timeout: 5000 });
    assert.equal(await page.locator("#history li").count(), before + 1);
    assert.equal(
      await page.locator("#history li b").count(),
      0,
      "stored text is shown as text, never as HTML",
    );
    assert.match((await page.textContent("#history-title")) ?? "", /1 new since opened/);
  });

  it("shows a LangGraph thread's checkpoints, newest first, with step and source", async () => {
    const { Annotation, END, START, StateGraph } = await import("@langchain/langgraph");
    const { ConvmemSaver } = await import("../../src/langgraph/index.js");
    const State = Annotation.Root({
      steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new StateGraph(State)
      .addNode("a", () => ({ steps: ["a"] }))
      .addEdge(START, "a")
      .addEdge("a", END)
      .compile({ checkpointer: new ConvmemSaver({ manager }) });
    const thread = `graph-${Date.now()}`;
    await graph.invoke({ steps: [] }, { configurable: { thread_id: thread } });
    const page = await browser.newPage();
    await page.goto(`${readOnly.url}#/c/${encodeURIComponent(thread)}`);
    await page.waitForSelector("#langgraph-checkpoints tr[data-id]");
    const rows = page.locator("#langgraph-checkpoints tr[data-id]");
    assert.equal(await rows.count(), 3, "input, loop step 0 and step 1");
    assert.match((await rows.first().textContent()) ?? "", /1\s*loop\s*\(root\)/);
  });

  it("without --allow-writes the write buttons are off and the API refuses writes", async () => {
    const [first] = await newestFirst();
    const id = first?.conversationId ?? "";
    const page = await browser.newPage();
    await page.goto(`${readOnly.url}#/c/${encodeURIComponent(id)}`);
    await page.waitForSelector(".field");
    assert.equal(await page.isDisabled("#delete-conversation"), true);
    assert.equal(await page.isDisabled("#set-ttl"), true);
    const reply = await page.evaluate(async (conversationId) => {
      const res = await fetch("/api/conversation/delete", {
        method: "POST",
        headers: { "content-type": "application/json", "x-convmem-inspector": "1" },
        body: JSON.stringify({ id: conversationId }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    }, id);
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error.code, "ERR_READ_ONLY");
    assert.ok((await manager.getMemory(id).keys()).length > 0, "nothing was deleted");
    // An error is shown in the page as a message.
    await page.goto(`${readOnly.url}#/c/no-such-conversation`);
    await page.waitForSelector("#banner:not([hidden])");
    assert.match(
      (await page.textContent("#banner-text")) ?? "",
      /conversation "no-such-conversation" not found/,
    );
  });

  it("a non-loopback bind demands the token; with it (and --allow-writes) a field can be deleted", async () => {
    const open = await start("--host", "0.0.0.0", "--allow-writes");
    assert.ok(open.token !== null);
    const page = await browser.newPage();
    const denied = await page.goto(`${open.base}/`);
    assert.equal(denied?.status(), 401);
    assert.match((await page.textContent("body")) ?? "", /needs its access token/);
    await page.goto(`${open.base}/?token=${open.token}`);
    await page.waitForSelector("#conversations tbody tr");
    assert.equal(new URL(page.url()).search, "", "the token left the address bar");
    assert.match((await page.textContent("#mode")) ?? "", /writes enabled/);
    const id = (await newestFirst())[0]?.conversationId ?? "";
    const memory = manager.getMemory(id);
    await memory.set("scratch", { note: "delete me" });
    await page.goto(`${open.base}/#/c/${encodeURIComponent(id)}`);
    await page.waitForSelector('.field[data-field="scratch"]');
    page.once("dialog", (d) => void d.accept());
    await page.click('[data-delete-field="scratch"]');
    await page.waitForSelector('.field[data-field="scratch"]', { state: "detached" });
    assert.equal(await memory.has("scratch"), false);
    assert.deepEqual(page.problems.pageErrors, []);
  });
});

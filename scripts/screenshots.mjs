// Screenshots of `convmem inspect` for the docs: starts a throwaway redis-server, fills it with
// the bundled demo (`convmem demo --keep`) plus one conversation holding agent-session items and
// chat UI messages, starts the inspector on it, and has Chromium (Debian's `chromium`, or
// $CONVMEM_CHROMIUM; driven by playwright-core) write docs/inspector-{list,conversation,stats}.png.
//
// Usage: npm run screenshots   (builds first)
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createMemoryManager } from "../dist/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";
import { chromiumPath } from "./chromium.mjs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");

/** An assistant conversation as the OpenAI Agents and AI SDK adapters would leave it. */
async function addAdapterConversation(url, keyPrefix) {
  const manager = createMemoryManager({ redis: url, keyPrefix });
  const memory = manager.getMemory("web-chat-42");
  await memory.addMessage("user", "Can you book a table for two tonight?", { channel: "web" });
  await memory.addMessage("assistant", "Booked: Nora's Bistro, 19:30, two people.", { model: "demo" });
  await memory.set("agent_items", [
    { type: "message", role: "user", content: "Can you book a table for two tonight?" },
    { type: "function_call", name: "book_table", arguments: '{"people":2,"time":"19:30"}', callId: "call_1" },
    {
      type: "function_call_result",
      name: "book_table",
      callId: "call_1",
      output: { type: "text", text: "confirmed #A17" },
    },
    {
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Booked: Nora's Bistro, 19:30." }],
    },
  ]);
  await memory.set("ui_messages", [
    { id: "m1", role: "user", parts: [{ type: "text", text: "Can you book a table for two tonight?" }] },
    {
      id: "m2",
      role: "assistant",
      parts: [
        {
          type: "tool-book_table",
          toolCallId: "call_1",
          state: "output-available",
          input: { people: 2 },
          output: "confirmed #A17",
        },
        { type: "text", text: "Booked: Nora's Bistro, 19:30, two people." },
      ],
    },
  ]);
  await memory.set("booking", { restaurant: "Nora's Bistro", time: "19:30", people: 2, reference: "A17" });
  await manager.close();
}

function startInspector(url, keyPrefix) {
  const child = spawn(process.execPath, [cli, "--url", url, "--prefix", keyPrefix, "inspect", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`convmem inspect exited (${code})`)));
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve({ child, ...JSON.parse(out.split("\n")[0]) });
    });
  });
}

const redis = await startRedisServer();
if (!redis) throw new Error("redis-server not found on PATH");
let inspector;
let browser;
try {
  const demoArgs = ["--workers", "3", "--conversations", "60", "--messages", "6", "--no-kill", "--keep"];
  const demo = spawnSync(process.execPath, [cli, "--url", redis.url, "demo", ...demoArgs], {
    encoding: "utf8",
  });
  if (demo.status !== 0) throw new Error(`the demo failed: ${demo.stderr}`);
  const keyPrefix = /^key prefix: (\S+)/m.exec(demo.stdout)?.[1];
  if (!keyPrefix) throw new Error("the demo printed no key prefix");
  await addAdapterConversation(redis.url, keyPrefix);
  inspector = await startInspector(redis.url, keyPrefix);
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 820 }, deviceScaleFactor: 1 });
  await page.goto(inspector.url);
  await page.waitForSelector("#conversations tbody tr");
  await page.waitForFunction(
    "[...document.querySelectorAll('td.ttl')].every((td) => /min/.test(td.textContent))",
  );
  await page.screenshot({ path: join(root, "docs", "inspector-list.png") });
  await page.goto(`${inspector.url}#/c/web-chat-42`);
  await page.waitForSelector('[data-adapter="ui_messages"]');
  await page.screenshot({ path: join(root, "docs", "inspector-conversation.png"), fullPage: true });
  await page.goto(`${inspector.url}#/stats`);
  await page.waitForSelector("#activity-chart");
  await page.setViewportSize({ width: 1200, height: 640 });
  await page.screenshot({ path: join(root, "docs", "inspector-stats.png") });
  console.log("wrote docs/inspector-list.png, docs/inspector-conversation.png, docs/inspector-stats.png");
} finally {
  await browser?.close();
  inspector?.child.removeAllListeners("exit");
  inspector?.child.kill("SIGTERM");
  await redis.stop();
}

// The screenshot of examples/ai-sdk-chat for the README: starts a throwaway redis-server, the
// example's server on it (offline mock model), has a three-exchange conversation through the
// page in Chromium (Debian's `chromium`, or $CONVMEM_CHROMIUM; driven by playwright-core) —
// the third caught mid-stream, Stop enabled — and writes docs/ai-sdk-chat.png (900×740).
//
// Usage: npm run screenshots:chat   (builds first)
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startRedisServer } from "../examples/demo-support.mjs";
import { chromiumPath } from "./chromium.mjs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const out = join(root, "docs", "ai-sdk-chat.png");

/** Starts the example's server; resolves to its child and URL once it prints `listening`. */
function startExample(redisUrl) {
  const env = { ...process.env, REDIS_URL: redisUrl, PORT: "0", MOCK_DELAY_MS: "25" };
  delete env.AI_GATEWAY_API_KEY; // the screenshot is of the offline mock
  const child = spawn(process.execPath, [join(root, "examples", "ai-sdk-chat", "server.mjs")], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let text = "";
    child.once("exit", (code) => reject(new Error(`the example server exited (${code})`)));
    child.stdout.on("data", (d) => {
      text += d;
      const port = /^listening (\d+)$/m.exec(text)?.[1];
      if (port) resolve({ child, url: `http://127.0.0.1:${port}` });
    });
  });
}

const redis = await startRedisServer();
if (!redis) throw new Error("redis-server not found on PATH");
let example;
let browser;
try {
  example = await startExample(redis.url);
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 900, height: 740 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${example.url}/?chat=web-chat-42`);
  await page.waitForSelector("body[data-ready=true]");

  const say = async (text) => {
    await page.fill("#input", text);
    await page.click("#send");
    await page.waitForSelector("body[data-status=streaming]");
  };
  const replies = () => page.locator(".assistant").count();
  for (const question of ["Where do my chats live?", "And if the server dies mid-reply?"]) {
    const before = await replies();
    await say(question);
    await page.waitForFunction(
      (n) => document.querySelectorAll(".assistant")[n]?.textContent.includes("word40"),
      before,
    );
    await page.waitForSelector("body[data-status=ready]");
  }
  // the page as a user sees it: history loaded from Redis, then a reply streaming in
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  await say("Show me a reply as it streams");
  await page.waitForFunction(() =>
    document.querySelectorAll(".assistant")[2]?.textContent.includes("word14"),
  );
  await page.screenshot({ path: out });
  await page.click("#stop");
  await page.waitForSelector("body[data-status=ready]");
  if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join("; ")}`);
  console.log("wrote docs/ai-sdk-chat.png");
} finally {
  await browser?.close();
  example?.child.removeAllListeners("exit");
  example?.child.kill("SIGTERM");
  await redis.stop();
}

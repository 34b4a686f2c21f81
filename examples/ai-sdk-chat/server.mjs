// A small chat app on convmem/ai-sdk: a Node HTTP server (no framework) and one page whose
// script (client.mjs) is the AI SDK's own browser client — AbstractChat + DefaultChatTransport,
// bundled with esbuild when the server starts, served as /client.js.
//   node examples/ai-sdk-chat/server.mjs            offline: a mock model, in-memory store
//   REDIS_URL=redis://localhost:6379 node …          the chats in Redis (they survive restarts)
//   AI_GATEWAY_API_KEY=… node …                      a real model through the Vercel AI Gateway
//   AI_MODEL=anthropic/claude-sonnet-4 (gateway id; default openai/gpt-4o-mini)
//   PORT=3000 (default; 0 picks a free port)         prints "model <…>", then "listening <port>"
// The route is the one of docs/ai-sdk.md: loadChat → streamText → toUIMessageStreamResponse
// with persistStream's hooks, so a reply cut off by a dying server (or by Stop) stays in the chat.
// Evaluated first, so esbuild bundles the page's script while the imports below load.
import "./bundle.mjs";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { convertToModelMessages, streamText } from "ai";
import { createChatStore } from "../../dist/ai-sdk/index.js";
import { createMemoryManager, InMemoryStore } from "../../dist/index.js";
import { clientBundle } from "./bundle.mjs";
import { pickModel } from "./model.mjs";

const manager = createMemoryManager(
  process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : { store: new InMemoryStore() },
);
const chats = createChatStore({ manager });
const model = pickModel(process.env);
const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const page = readFileSync(new URL("./index.html", import.meta.url), "utf8").replace(
  "%MODEL%",
  escapeHtml(model.label),
);
const client = await clientBundle; // started first (see bundle.mjs)

async function body(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

async function chatRoute(req, res) {
  const { id, message } = await body(req);
  const messages = [...(await chats.loadChat(id)), message];
  const question = message.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
  const abort = new AbortController();
  res.on("close", () => abort.abort()); // the page stopped reading (Stop, or gone): stop generating
  const result = streamText({
    model: model.forQuestion(question),
    messages: await convertToModelMessages(messages),
    abortSignal: abort.signal,
  });
  const persist = chats.persistStream({ chatId: id, originalMessages: messages });
  const response = result.toUIMessageStreamResponse({
    originalMessages: messages,
    generateMessageId: () => crypto.randomUUID(),
    consumeSseStream: persist.consumeSseStream,
    onFinish: persist.onFinish, // ai 7: onEnd: persist.onFinish
  });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  Readable.fromWeb(response.body).pipe(res);
}

function serveClient(req, res) {
  const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
  res.writeHead(200, {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "no-cache",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
  res.end(gzip ? client.gzip : client.js);
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://localhost");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    } else if (req.method === "GET" && url.pathname === "/client.js") {
      serveClient(req, res);
    } else if (req.method === "GET" && url.pathname.startsWith("/api/chats/")) {
      const messages = await chats.loadChat(decodeURIComponent(url.pathname.slice("/api/chats/".length)));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(messages));
    } else if (req.method === "POST" && url.pathname === "/api/chat") {
      await chatRoute(req, res);
    } else {
      res.writeHead(404).end("not found");
    }
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.writeHead(500).end(String(err?.message ?? err));
  }
});
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`model ${model.label}`);
  console.log(`listening ${server.address().port}`);
});

// A small chat app on convmem/ai-sdk: a Node HTTP server (no framework) and one page.
//   node examples/ai-sdk-chat/server.mjs            offline: a mock model, in-memory store
//   REDIS_URL=redis://localhost:6379 node …          the chats in Redis (they survive restarts)
//   PORT=3000 (default; 0 picks a free port)         prints "listening <port>" when ready
// The route is the one of docs/ai-sdk.md: loadChat → streamText → toUIMessageStreamResponse
// with persistStream's hooks, so a reply cut off by a dying server stays in the chat.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { convertToModelMessages, streamText } from "ai";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { createChatStore } from "../../dist/ai-sdk/index.js";
import { createMemoryManager } from "../../dist/index.js";

const manager = createMemoryManager(process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : {});
const chats = createChatStore({ manager });
const page = readFileSync(new URL("./index.html", import.meta.url), "utf8");
const delayMs = Number(process.env.MOCK_DELAY_MS ?? 60);

/** The offline model: echoes the question, then counts words, `delayMs` apart. */
function mockModel(question) {
  const words = [`You said: "${question}". `, ...Array.from({ length: 40 }, (_, i) => `word${i + 1} `)];
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunkDelayInMs: delayMs,
        chunks: [
          { type: "text-start", id: "t" },
          ...words.map((delta) => ({ type: "text-delta", id: "t", delta })),
          { type: "text-end", id: "t" },
          {
            type: "finish",
            finishReason: { unified: "stop", raw: "stop" },
            usage: { inputTokens: { total: 1 }, outputTokens: { total: 41 } },
          },
        ],
      }),
    }),
  });
}

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
  res.on("close", () => abort.abort()); // the page stopped reading: stop generating
  const result = streamText({
    model: mockModel(question),
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

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://localhost");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
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
  console.log(`listening ${server.address().port}`);
});

// convmem/ai-sdk: saveChat of one new message into a chat of 10 vs 1,000 messages, vs the AI
// SDK guide's whole-list rewrite (one JSON value, SET) at 1,000. Needs a redis-server on PATH.
//   npm run build && node bench/ai-sdk.mjs [rounds=200]
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createChatStore } from "../dist/ai-sdk/index.js";
import { createMemoryManager } from "../dist/index.js";

const rounds = Number(process.argv[2] ?? 200);
const port = await new Promise((r) => {
  const s = createServer().listen(0, () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
const redis = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
  stdio: "ignore",
});
await new Promise((r) => setTimeout(r, 300));
const manager = createMemoryManager({ redis: `redis://127.0.0.1:${port}` });
const chats = createChatStore({ manager });
const msg = (i) => ({
  id: `m${i}`,
  role: i % 2 ? "assistant" : "user",
  parts: [{ type: "text", text: `message ${i} `.repeat(12) }],
});

async function saveChatRow(n) {
  const chatId = `bench-${n}-${Date.now()}`;
  await chats.saveChat({ chatId, messages: Array.from({ length: n }, (_, i) => msg(i)) });
  let messages = await chats.loadChat(chatId); // the route loads, appends, saves
  let cpu = 0;
  let ms = 0;
  for (let r = 0; r < rounds; r++) {
    const next = [...messages, msg(n + r)];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await chats.saveChat({ chatId, messages: next });
    ms += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    messages = next;
    if (messages.length > n + 20) {
      // keep the size: drop the added tail again (not timed)
      messages = messages.slice(0, n);
      await chats.saveChat({ chatId, messages });
    }
  }
  return { ms: ms / rounds, cpuUs: cpu / rounds };
}

async function rewriteRow(n) {
  const memory = manager.getMemory(`bench-rewrite-${Date.now()}`);
  let messages = Array.from({ length: n }, (_, i) => msg(i));
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    messages = [...messages.slice(0, n), msg(n + r)];
    await memory.set("chat", JSON.stringify(messages));
  }
  return { ms: (performance.now() - t0) / rounds };
}

await saveChatRow(10); // warm-up
const small = await saveChatRow(10);
const large = await saveChatRow(1000);
const rewrite = await rewriteRow(1000);
const bytes = JSON.stringify(msg(1)).length;
console.log(`convmem/ai-sdk saveChat, one new message (~${bytes} B), ${rounds} rounds, loaded machine`);
console.log(`| case | ms/save | client CPU µs/save |`);
console.log(`| saveChat into 10 | ${small.ms.toFixed(3)} | ${small.cpuUs.toFixed(0)} |`);
console.log(`| saveChat into 1,000 | ${large.ms.toFixed(3)} | ${large.cpuUs.toFixed(0)} |`);
console.log(`| whole-list JSON rewrite at 1,000 | ${rewrite.ms.toFixed(3)} | — |`);
console.log(`ratio 1,000/10: ${(large.ms / small.ms).toFixed(2)}× (target ≤ 2×)`);
console.log(`rewrite/saveChat at 1,000: ${(rewrite.ms / large.ms).toFixed(1)}× (target ≥ 10×)`);
await manager.close();
redis.kill();

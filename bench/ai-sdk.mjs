// convmem/ai-sdk: what a chat route's save costs. One round = the route of docs/ai-sdk.md:
// load the chat (not timed), append the new message, save it (timed). saveChat into a chat of
// 10 and of 1,000 messages, vs the AI SDK guide's whole-list rewrite (the list as one JSON
// value; on the raw client `SET` of `JSON.stringify(messages)`, `timeout: 0`) at
// 1,000, on convmem (`memory.set` of the list: one JSON value of the conversation, the same
// store and guarantees) and on the raw client (no guarantees: the fastest form of the guide's
// `saveChat`). The variants run interleaved,
// block by block, on one redis-server.
// Reported: ms per save, client CPU per save, and Redis bytes received per save (`INFO stats`
// total_net_input_bytes over a variant's rounds, measured separately: what the change costs on
// the wire, independent of the chat's length for saveChat).
//   npm run bench:ai-sdk            (builds first; needs redis-server on PATH)
//   node bench/ai-sdk.mjs [rounds=300]
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createClient } from "redis";
import { createChatStore } from "../dist/ai-sdk/index.js";
import { createMemoryManager } from "../dist/index.js";

const rounds = Number(process.argv[2] ?? 300);
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
const url = `redis://127.0.0.1:${port}`;
const manager = createMemoryManager({ redis: url });
const chats = createChatStore({ manager });
const manager2 = createMemoryManager({ redis: url }); // the second worker's
const raw = createClient({ url, commandOptions: { timeout: 0 } });
await raw.connect();
const admin = createClient({ url });
await admin.connect();

const msg = (i) => ({
  id: `m${i}`,
  role: i % 2 ? "assistant" : "user",
  parts: [{ type: "text", text: `message ${i} `.repeat(12) }],
});
const base = (n) => Array.from({ length: n }, (_, i) => msg(i));

/** A variant: `prepare()` (not timed) returns the save to time. */
function saveChatVariant(n) {
  const chatId = `bench-chat-${n}-${Date.now()}`;
  let next = n;
  return {
    name: `saveChat into ${n.toLocaleString("en")}`,
    setup: () => chats.saveChat({ chatId, messages: base(n) }),
    async reset() {
      const loaded = await chats.loadChat(chatId);
      await chats.saveChat({ chatId, messages: loaded.slice(0, n) });
    },
    async prepare() {
      const loaded = await chats.loadChat(chatId); // the route: load, append, save
      const messages = [...loaded, msg(n + next++)];
      return () => chats.saveChat({ chatId, messages });
    },
  };
}

/**
 * The route on two workers taking turns (two stores, as two processes would have): each load
 * finds the chat written by the other one, so it reads and decodes the whole list again.
 */
function alternatingVariant(n) {
  const chatId = `bench-alt-${n}-${Date.now()}`;
  const stores = [chats, createChatStore({ manager: manager2 })];
  let next = n;
  let turn = 0;
  return {
    name: `saveChat into ${n.toLocaleString("en")}, two workers taking turns`,
    setup: () => chats.saveChat({ chatId, messages: base(n) }),
    async reset() {
      const loaded = await chats.loadChat(chatId);
      await chats.saveChat({ chatId, messages: loaded.slice(0, n) });
      turn = 1;
    },
    async prepare() {
      const store = stores[turn++ % 2];
      const loaded = await store.loadChat(chatId);
      const messages = [...loaded, msg(n + next++)];
      return () => store.saveChat({ chatId, messages });
    },
  };
}

function rewriteVariant(n) {
  const key = `bench-rewrite-${n}-${Date.now()}`;
  let next = n;
  return {
    name: `whole-list JSON rewrite at ${n.toLocaleString("en")} (raw SET)`,
    setup: () => raw.set(key, JSON.stringify(base(n))),
    reset: async () => raw.set(key, JSON.stringify(JSON.parse(await raw.get(key)).slice(0, n))),
    async prepare() {
      const loaded = JSON.parse(await raw.get(key));
      const messages = [...loaded, msg(n + next++)];
      return () => raw.set(key, JSON.stringify(messages));
    },
  };
}

/** The same rewrite on convmem: the chat as one JSON value of the conversation (`memory.set`). */
function setVariant(n) {
  const memory = manager.getMemory(`bench-set-${n}-${Date.now()}`);
  let next = n;
  return {
    name: `whole-list rewrite at ${n.toLocaleString("en")} (convmem set, one JSON value)`,
    setup: () => memory.set("chat", base(n)),
    reset: async () => memory.set("chat", (await memory.get("chat")).slice(0, n)),
    async prepare() {
      const loaded = await memory.get("chat");
      const messages = [...loaded, msg(n + next++)];
      return () => memory.set("chat", messages);
    },
  };
}

async function netIn() {
  const info = await admin.info("stats");
  return Number(/total_net_input_bytes:(\d+)/.exec(info)?.[1] ?? 0);
}

const variants = [
  saveChatVariant(10),
  saveChatVariant(1000),
  rewriteVariant(1000),
  setVariant(1000),
  alternatingVariant(1000),
];
for (const v of variants) {
  await v.setup();
  v.ms = [];
  v.cpu = [];
  for (let w = 0; w < 20; w++) await (await v.prepare())(); // warm-up
}
// Blocks of BLOCK rounds of one variant, the variants rotating block by block (so a drifting
// machine speed hits them alike, and one variant's 200 KB values do not evict the next one's
// code from the caches between two of its saves). Each variant's chat grows by one message per
// round and is put back to its size at the start of each block (not timed).
const BLOCK = 25;
for (let b = 0; b < Math.ceil(rounds / BLOCK); b++) {
  for (const v of b % 2 ? variants : [...variants].reverse()) {
    await v.reset();
    for (let r = 0; r < BLOCK; r++) {
      const save = await v.prepare();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await save();
      v.ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      v.cpu.push(c.user + c.system);
    }
  }
}
// Bytes on the wire for the timed saves alone: a variant's saves in a row, prepared first.
for (const v of variants) {
  let bytes = 0;
  await v.reset();
  for (let r = 0; r < 50; r++) {
    const save = await v.prepare();
    const before = await netIn();
    await save();
    bytes += (await netIn()) - before;
  }
  const infoCall = (await netIn()) - (await netIn()); // an INFO's own bytes (negative)
  v.bytes = bytes / 50 + infoCall;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const bytes = JSON.stringify(msg(1)).length;
console.log(`convmem/ai-sdk: a route's save of one new message (~${bytes} B), ${rounds} interleaved rounds`);
console.log("| case | ms/save (median) | client CPU µs/save (median) | Redis bytes in/save |");
console.log("| --- | --- | --- | --- |");
for (const v of variants)
  console.log(
    `| ${v.name} | ${median(v.ms).toFixed(3)} | ${median(v.cpu).toFixed(0)} | ${Math.round(v.bytes).toLocaleString("en")} |`,
  );
const [small, large, rewrite, set, alternating] = variants;
const ratio = (a, b) => median(a.ms) / median(b.ms);
console.log(`saveChat 1,000 vs 10: ${ratio(large, small).toFixed(2)}× (target ≤ 2×)`);
console.log(
  `whole-list rewrite / saveChat at 1,000, convmem set: ${ratio(set, large).toFixed(1)}× (target ≥ 10×)`,
);
console.log(`whole-list rewrite / saveChat at 1,000, raw SET: ${ratio(rewrite, large).toFixed(1)}×`);
console.log(
  `two workers taking turns: convmem set / saveChat ${ratio(set, alternating).toFixed(1)}×, raw SET / saveChat ${ratio(rewrite, alternating).toFixed(1)}×`,
);
await manager.close();
await manager2.close();
await raw.quit();
await admin.quit();
redis.kill();

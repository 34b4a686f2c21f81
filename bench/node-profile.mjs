// Client-side profile of the realistic turn's operations (not part of `npm run bench`): samples
// this process's CPU with the inspector while 200 concurrent loops run one operation for 2 s,
// and prints the self time grouped by where the code lives (convmem's dist/, the redis client,
// Node internals, GC, idle = waiting for redis-server), in µs per operation, then the top
// functions by self time. Usage: npm run build && node bench/node-profile.mjs [op…] [--top N]
//   ops: turn addMessage get getMessages modify set setget (default: all)
import { Session } from "node:inspector/promises";
import { createMemoryManager } from "../dist/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";

const DEFAULT_PREFS = { language: "auto", response_length: "medium" };
const EMPTY_STATS = { message_count: 0, replies_short: 0, recent_ids: [] };
const TEXT = "What is the weather like tomorrow in Lisbon?";
const REPLY = "Sunny, 21°C with a light breeze.";
const countIfNew = (id) => (s) =>
  s.recent_ids.includes(id)
    ? s
    : {
        message_count: s.message_count + 1,
        replies_short: s.replies_short,
        recent_ids: [...s.recent_ids, id].slice(-50),
      };

function group(url, name) {
  if (name === "(garbage collector)") return "gc";
  if (name === "(idle)") return "idle";
  if (name === "(program)") return "program";
  if (url.includes("node_modules/@redis") || url.includes("node_modules/redis")) return "redis client";
  if (url.includes("/dist/")) return "convmem";
  if (url.startsWith("node:")) return "node internals";
  if (url.includes("/bench/")) return "harness";
  return url ? "other js" : "native";
}

async function profile(session, op, ms, top) {
  await session.post("Profiler.start");
  let ops = 0;
  let next = 0;
  const end = performance.now() + ms;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (performance.now() < end) {
        await op(next++);
        ops++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const { profile } = await session.post("Profiler.stop");
  const self = new Map();
  const fns = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, k) => {
    const n = byId.get(id);
    const { url, functionName, lineNumber } = n.callFrame;
    const g = group(url, functionName);
    self.set(g, (self.get(g) ?? 0) + (dt[k] ?? 0));
    if (g !== "idle") {
      const f = `${functionName || "(anon)"} ${url.replace(/^.*\/(node_modules|dist)\//, "$1/")}:${lineNumber + 1}`;
      fns.set(f, (fns.get(f) ?? 0) + (dt[k] ?? 0));
    }
  });
  const out = {
    ops_per_s: Math.round(ops / (ms / 1000)),
    "cpu µs/op": +((cpu.user + cpu.system) / ops).toFixed(2),
  };
  for (const [g, us] of [...self].sort((a, b) => b[1] - a[1])) out[`${g} µs/op`] = +(us / ops).toFixed(2);
  const topFns = [...fns]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([f, us]) => `${(us / ops).toFixed(2).padStart(6)}  ${f}`);
  return { out, topFns };
}

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 15;
const server = await startRedisServer();
const manager = createMemoryManager({ redis: server.url, defaultTtl: 3600 });
const RING = 50_000;
const mem = (i) => manager.getMemory(`c-${i % RING}`);
const OPS = {
  turn: async (i) => {
    const m = mem(i);
    await m.addMessage("user", TEXT, { channel: "sms" }, { id: `t${i}:in` });
    await m.get("user_preferences", DEFAULT_PREFS);
    await m.getMessages({ limit: 5 });
    await m.addMessage("assistant", REPLY, {}, { id: `t${i}:out` });
    await m.modify("conversation_stats", countIfNew(`t${i}`), { fallback: EMPTY_STATS });
  },
  addMessage: (i) => mem(i).addMessage("user", TEXT, { channel: "sms" }, { id: `a${i}` }),
  get: (i) => mem(i).get("user_preferences", DEFAULT_PREFS),
  getMessages: (i) => mem(i).getMessages({ limit: 5 }),
  modify: (i) => mem(i).modify("conversation_stats", countIfNew(`m${i}`), { fallback: EMPTY_STATS }),
  set: (i) => mem(i).set("prefs", DEFAULT_PREFS),
  setget: async (i) => {
    const m = mem(i);
    await m.set("prefs", DEFAULT_PREFS);
    await m.get("prefs");
  },
};
const chosen = args.length > 0 ? args : Object.keys(OPS);
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
try {
  const table = {};
  for (const name of chosen) {
    await profile(session, OPS[name], 500, top); // warm-up
    const { out, topFns } = await profile(session, OPS[name], 2000, top);
    table[name] = out;
    console.log(`\n${name}: top self time, µs/op`);
    for (const line of topFns) console.log(`  ${line}`);
  }
  console.table(table);
} finally {
  session.disconnect();
  await manager.close();
  await server.stop();
}

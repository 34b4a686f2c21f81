// Client-side profile (not part of `npm run bench`): samples this process's CPU with the
// inspector while 200 concurrent loops run convmem incr, then raw INCR, for 2 s each, and
// prints the self time grouped by where the code lives (convmem's dist/, the redis client,
// Node internals, GC, idle = waiting for redis-server), in µs per operation.
// Usage: npm run build && node bench/cpu-profile.mjs
import { Session } from "node:inspector/promises";
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";

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

async function profile(session, op, ms) {
  await session.post("Profiler.start");
  let ops = 0;
  let next = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (performance.now() < end) {
        await op(next++);
        ops++;
      }
    }),
  );
  const { profile } = await session.post("Profiler.stop");
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, k) => {
    const n = byId.get(id);
    const g = group(n.callFrame.url, n.callFrame.functionName);
    self.set(g, (self.get(g) ?? 0) + (dt[k] ?? 0));
  });
  const out = { ops_per_s: Math.round(ops / (ms / 1000)) };
  for (const [g, us] of [...self].sort((a, b) => b[1] - a[1])) out[`${g} µs/op`] = +(us / ops).toFixed(2);
  return out;
}

const server = await startRedisServer();
const raw = createClient({ url: server.url, commandOptions: { timeout: 0 } });
await raw.connect();
const manager = createMemoryManager({ redis: server.url });
const mems = Array.from({ length: 1000 }, (_, i) => manager.getMemory(`p-${i}`));
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
try {
  for (let i = 0; i < 2; i++) {
    const c = await profile(session, (i) => mems[i % 1000].incr("count"), 2000);
    const r = await profile(session, (i) => raw.incr(`raw:${i % 1000}`), 2000);
    if (i === 1) console.table({ convmem_incr: c, raw_INCR: r });
  }
} finally {
  session.disconnect();
  await raw.quit();
  await manager.close();
  await server.stop();
}

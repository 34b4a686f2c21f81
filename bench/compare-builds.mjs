// Interleaved A/B of two (or more) builds on the realistic turn of bench/turn.mjs (not part of
// `npm run bench`):
// each build's dist/ is loaded in this one process with a manager of its own key prefix on one
// redis-server (their Functions libraries are named for their source, so they coexist); batches
// of 2,000 turns (100 in flight, a ring of 5,000 conversations) alternate between the builds 10
// times, and Redis CPU (INFO cpu) and this process's CPU (process.cpuUsage) are summed per
// build: differences of a few percent that this VM's speed swings hide in turns/s.
// Usage: node bench/compare-builds.mjs <dist dir> <dist dir>…   e.g. a worktree's dist and ./dist
// COMPARE_RING=50000 sets the ring (default 5,000; 50,000 makes every turn a conversation's first).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "redis";
import { startRedisServer } from "../examples/demo-support.mjs";
import { redisCpuSeconds } from "./harness.mjs";
import { convmemTurn } from "./turn.mjs";

const dists = process.argv.slice(2);
const RING = Number(process.env.COMPARE_RING ?? 5000);
const server = await startRedisServer();
const admin = createClient({ url: server.url });
await admin.connect();
const managers = [];
for (const [k, d] of dists.entries()) {
  const { createMemoryManager } = await import(pathToFileURL(resolve(d, "index.js")).href);
  managers.push(createMemoryManager({ redis: server.url, keyPrefix: `p${k}`, defaultTtl: 3600 }));
}
const turnOf = managers.map((m) => convmemTurn(m));
const cpu = () => redisCpuSeconds(admin);
const ns = dists.map(() => 0);
async function run(k, turns) {
  let next = ns[k];
  const end = next + turns;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < end) {
        const i = next++;
        await turnOf[k](`c${i % RING}`, `t${i}`);
      }
    }),
  );
  ns[k] = end;
}
for (const k of dists.keys()) await run(k, 6000);
const red = dists.map(() => 0),
  nod = dists.map(() => 0);
const R = 10,
  T = 2000;
for (let r = 0; r < R; r++)
  for (const k of dists.keys()) {
    const r0 = await cpu();
    const c0 = process.cpuUsage();
    await run(k, T);
    const c = process.cpuUsage(c0);
    red[k] += (await cpu()) - r0;
    nod[k] += c.user + c.system;
  }
for (const [k, d] of dists.entries())
  console.log(
    d.padEnd(18),
    "redis µs/turn",
    ((red[k] * 1e6) / (R * T)).toFixed(1),
    "node µs/turn",
    (nod[k] / (R * T)).toFixed(1),
  );
for (const m of managers) await m.close();
await admin.quit();
await server.stop();

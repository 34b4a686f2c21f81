import { Session } from "node:inspector/promises";
import { createClient } from "redis";
import { createMemoryManager } from "/work/main/dist/index.js";
import { startRedisServer } from "/work/main/examples/demo-support.mjs";

const server = await startRedisServer();
const manager = createMemoryManager({ redis: server.url });
const mems = Array.from({ length: 1000 }, (_, i) => manager.getMemory(`p-${i}`));
const value = { language: "en", style: "short", n: 42 };
const op = process.argv[2] ?? "incr";
const raw = createClient({ url: server.url, commandOptions: { timeout: 0 } });
await raw.connect();
const fn =
  op === "raw"
    ? (i) => raw.incr(`raw:${i % 1000}`)
    : op === "rawset"
      ? (i) => raw.set(`raws:${i % 1000}`, JSON.stringify(value))
      : op === "incr"
        ? (i) => mems[i % 1000].incr("count")
        : op === "set"
          ? (i) => mems[i % 1000].set("prefs", value)
          : (i) => mems[i % 1000].get("prefs");
for (let i = 0; i < 1000; i++) {
  await mems[i].set("prefs", value);
  await mems[i].incr("count");
}
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 50 });
let ops = 0,
  next = 0;
const run = async (ms) => {
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (performance.now() < end) {
        await fn(next++);
        ops++;
      }
    }),
  );
};
await run(500);
ops = 0;
await session.post("Profiler.start");
await run(2000);
const { profile } = await session.post("Profiler.stop");
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
profile.samples.forEach((id, k) => {
  const n = byId.get(id);
  const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[k] ?? 0));
});
console.log(op, "ops/s", Math.round(ops / 2));
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log((us / ops).toFixed(3), k);
session.disconnect();
await manager.close();
await server.stop();

// Quick benchmark: convmem set+get vs the raw `redis` client (SET EX + GET), same process,
// same redis-server, 1 operation in flight and 200 concurrent. Prints ops/s and ratios.
// Usage: node bench/set-get.mjs [redis-url]   (starts its own redis-server when no URL is given)
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";

async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "convmem-bench-"));
  const proc = spawn("redis-server", ["--port", String(port), "--dir", dir, "--save", ""], {
    stdio: "ignore",
  });
  await new Promise((r) => setTimeout(r, 300));
  const stop = () => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, stop };
}

async function measure(concurrency, totalPairs, pair) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < totalPairs) await pair(next++);
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return (totalPairs * 2) / secs;
}

const redis = process.argv[2] ? { url: process.argv[2], stop() {} } : await startRedis();
const raw = createClient({ url: redis.url, commandOptions: { timeout: 0 } });
await raw.connect();
const manager = createMemoryManager({ redis: redis.url });
const value = { language: "en", style: "short", n: 42 };
const text = JSON.stringify(value);
const convs = Array.from({ length: 1000 }, (_, i) => manager.getMemory(`bench-${i}`));

const rows = [];
for (const [concurrency, pairs] of [
  [1, 5000],
  [200, 60000],
]) {
  // warm-up, then alternate to even out drift
  await measure(concurrency, 2000, async (i) => {
    await raw.set(`raw:${i % 1000}:prefs`, text, { EX: 3600 });
    await raw.get(`raw:${i % 1000}:prefs`);
  });
  await measure(concurrency, 2000, async (i) => {
    const m = convs[i % 1000];
    await m.set("prefs", value);
    await m.get("prefs");
  });
  const r = [];
  const c = [];
  for (let round = 0; round < 3; round++) {
    r.push(
      await measure(concurrency, pairs, async (i) => {
        await raw.set(`raw:${i % 1000}:prefs`, text, { EX: 3600 });
        JSON.parse(await raw.get(`raw:${i % 1000}:prefs`));
      }),
    );
    c.push(
      await measure(concurrency, pairs, async (i) => {
        const m = convs[i % 1000];
        await m.set("prefs", value);
        await m.get("prefs");
      }),
    );
  }
  const med = (xs) => xs.sort((a, b) => a - b)[1];
  rows.push({
    concurrency,
    rawOpsPerSec: Math.round(med(r)),
    convmemOpsPerSec: Math.round(med(c)),
    ratio: +(med(c) / med(r)).toFixed(2),
  });
}
console.table(rows);
await raw.quit();
await manager.close();
redis.stop();

// Registry benchmark (not a test): cleanupExpiredConversations removing 1,000 expired
// conversations among 10,000 vs among 100,000 in total (target: time ratio <= 1.5), and
// getStats() over 100,000 conversations (time and peak RSS).
// Usage: node bench/registry.mjs [--json]   (starts its own redis-server)
import { createMemoryManager } from "../dist/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";

const EXPIRED = 1000;

async function fill(manager, prefix, from, count) {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < end) {
        const i = next++;
        await manager.getMemory(`${prefix}-${i}`).update({ name: `user ${i}`, turns: i % 7 });
      }
    }),
  );
}

async function cleanupScenario(url, total) {
  const keyPrefix = `bench${total}`;
  const manager = createMemoryManager({ redis: url, keyPrefix });
  await fill(manager, "old", 0, EXPIRED);
  await new Promise((r) => setTimeout(r, 1500));
  const freshFrom = Date.now();
  await fill(manager, "new", 0, total - EXPIRED);
  // The cutoff falls in the 1.5 s gap: older than every "new" write, newer than every "old" one.
  const maxAgeSeconds = (Date.now() - freshFrom + 750) / 1000;
  const start = performance.now();
  const removed = await manager.cleanupExpiredConversations({ maxAgeSeconds });
  const ms = performance.now() - start;
  await manager.close();
  if (removed !== EXPIRED) throw new Error(`expected ${EXPIRED} removed, got ${removed}`);
  return ms;
}

const redis = await startRedisServer();
if (!redis) throw new Error("bench/registry.mjs needs redis-server on PATH");
try {
  const small = await cleanupScenario(redis.url, 10_000);
  const large = await cleanupScenario(redis.url, 100_000);
  const manager = createMemoryManager({ redis: redis.url, keyPrefix: "bench100000" });
  await fill(manager, "extra", 0, EXPIRED); // back to 100,000 after the cleanup
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const stats = await manager.getStats();
  const statsMs = performance.now() - start;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await manager.close();
  const result = {
    cleanup_1000_of_10000_ms: Math.round(small),
    cleanup_1000_of_100000_ms: Math.round(large),
    cleanup_time_ratio: +(large / small).toFixed(2),
    cleanup_target_ratio: 1.5,
    getStats_conversations: stats.totalConversations,
    getStats_ms: Math.round(statsMs),
    getStats_peak_rss_mb: Math.round(peak / 1048576),
    getStats_rss_growth_mb: Math.round((peak - rssBefore) / 1048576),
  };
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
  else console.table(result);
} finally {
  await redis.stop();
}

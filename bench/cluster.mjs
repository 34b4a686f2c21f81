// Cluster benchmark (not a test): the same set+get workload (200 in flight) on one redis-server
// and on a 3-master Redis Cluster, in one run. Prints ops/s and the ratio.
// Usage: node bench/cluster.mjs [--json]
import { createMemoryManager } from "../dist/index.js";
import { startRedisCluster, startRedisServer } from "../examples/demo-support.mjs";

const PAIRS = 40_000;
const CONCURRENCY = 200;

async function throughput(url) {
  const manager = createMemoryManager({ redis: url });
  const memories = Array.from({ length: 1000 }, (_, i) => manager.getMemory(`bench-${i}`));
  const value = { language: "en", style: "short", n: 42 };
  const run = async (pairs) => {
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < pairs) {
          const m = memories[next++ % memories.length];
          await m.set("prefs", value);
          await m.get("prefs");
        }
      }),
    );
    return (pairs * 2) / ((performance.now() - start) / 1000);
  };
  await run(4000); // warm-up: connections, scripts loaded on every node
  const rate = await run(PAIRS);
  await manager.close();
  return rate;
}

const single = await startRedisServer();
const cluster = await startRedisCluster(3);
if (!single || !cluster) throw new Error("bench/cluster.mjs needs redis-server on PATH");
try {
  const standaloneOps = await throughput(single.url);
  const clusterOps = await throughput(cluster.url);
  const result = {
    workload: `set+get, ${CONCURRENCY} in flight, ${PAIRS} pairs`,
    standalone_ops_per_s: Math.round(standaloneOps),
    cluster_3_masters_ops_per_s: Math.round(clusterOps),
    cluster_vs_standalone: +(clusterOps / standaloneOps).toFixed(2),
  };
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
  else console.table(result);
} finally {
  await single.stop();
  await cluster.stop();
}

// Failover benchmark (not a test): kills a cluster master under load N times (fresh 3+3 cluster
// each time) and reports the median time from the replica's promotion until every conversation
// writes again, and acknowledged writes lost with and without `durability`.
// Needs the compiled test harness: npm run build && npm run build:test && node bench/failover.mjs [runs]
import { createClient } from "redis";
import { startCluster } from "../build/test/helpers/redis-cluster.js";
import { createMemoryManager } from "../dist/index.js";

const RUNS = Number(process.argv[2] ?? 5);
const CONVERSATIONS = 24;

async function nodes(url) {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  await client.connect();
  const text = String(await client.sendCommand(["CLUSTER", "NODES"]));
  client.destroy();
  return text.trim().split("\n");
}

async function once(durable) {
  const cluster = await startCluster({ masters: 3, replicas: durable ? 2 : 1 });
  const manager = createMemoryManager({
    redis: { cluster: { rootNodes: cluster.rootNodes } },
    timeoutMs: 2000,
    ...(durable ? { durability: { replicas: 1, timeoutMs: 500 } } : {}),
  });
  try {
    const [victim, survivor] = cluster.nodes;
    const lines = await nodes(victim.url);
    const victimId = lines.find((l) => l.includes("myself")).split(" ")[0];
    const replicaIds = lines.filter((l) => l.includes(`slave ${victimId}`)).map((l) => l.split(" ")[0]);
    const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `failover-${i}`);
    const acked = new Map(ids.map((id) => [id, []]));
    const lastOk = new Map();
    let running = true;
    let seq = 0;
    const workers = ids.map(async (id) => {
      const memory = manager.getMemory(id);
      while (running) {
        const n = seq++;
        try {
          await memory.append("acked", n);
          acked.get(id).push(n);
          lastOk.set(id, Date.now());
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(victim.pid, "SIGKILL");
    let promotedAt = 0;
    while (!promotedAt) {
      const promoted = (await nodes(survivor.url)).some(
        (l) => replicaIds.includes(l.split(" ")[0]) && /(^|,)master(,|$)/.test(l.split(" ")[2]),
      );
      if (promoted) promotedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 10));
    }
    while (!ids.every((id) => (lastOk.get(id) ?? 0) > promotedAt)) await new Promise((r) => setTimeout(r, 5));
    const recoveredAt = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(workers);
    let lost = 0;
    let total = 0;
    for (const id of ids) {
      const stored = new Set(await manager.getMemory(id).getList("acked"));
      for (const n of acked.get(id)) {
        total++;
        if (!stored.has(n)) lost++;
      }
    }
    return { recoveryMs: recoveredAt - promotedAt, acked: total, lost };
  } finally {
    await manager.close();
    await cluster.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {};
for (const durable of [false, true]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(durable));
  result[durable ? "durability_on" : "durability_off"] = {
    runs: RUNS,
    recovery_after_promotion_ms: runs.map((r) => r.recoveryMs),
    median_recovery_ms: median(runs.map((r) => r.recoveryMs)),
    acknowledged_writes: runs.reduce((n, r) => n + r.acked, 0),
    acknowledged_writes_lost: runs.reduce((n, r) => n + r.lost, 0),
  };
}
console.log(JSON.stringify(result, null, 2));

/**
 * Cluster failover under sustained load (3 masters + 3 replicas): a master is SIGKILLed, its
 * replica is promoted, and convmem resumes on its own. With `durability: { replicas: 1 }`
 * every acknowledged write is present afterwards. Without it, the test reports how many
 * acknowledged writes were lost (asynchronous replication may lose the last ones).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager } from "../../src/index.js";
import { type RedisCluster, startCluster } from "../helpers/redis-cluster.js";

const CONVERSATIONS = 24;

async function clusterNodes(url: string): Promise<string[]> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    return String(await client.sendCommand(["CLUSTER", "NODES"]))
      .trim()
      .split("\n");
  } finally {
    client.destroy();
  }
}

interface FailoverResult {
  acked: number;
  lost: number;
  errors: number;
  /** ms from the replica's promotion to the first successful write on the failed master's slots. */
  recoveryMs: number;
}

async function failoverUnderLoad(cluster: RedisCluster, manager: MemoryManager): Promise<FailoverResult> {
  const victim = cluster.nodes[0];
  assert.ok(victim);
  const survivor = cluster.nodes[1];
  assert.ok(survivor);
  const lines = await clusterNodes(victim.url);
  const victimId = lines.find((l) => l.includes("myself"))?.split(" ")[0];
  assert.ok(
    victimId && lines.some((l) => l.includes(`slave ${victimId}`)),
    "the victim is a master with a replica",
  );
  const replicaIds = lines.filter((l) => l.includes(`slave ${victimId}`)).map((l) => l.split(" ")[0]);

  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `failover-${i}`);
  const acked = new Map<string, number[]>(ids.map((id) => [id, []]));
  let errors = 0;
  let running = true;
  let seq = 0;
  let killedAt = 0;
  const lastSuccess = new Map<string, number>();
  const workers = ids.map(async (id) => {
    const memory = manager.getMemory(id);
    while (running) {
      const n = seq++;
      try {
        await memory.append("acked", n);
        acked.get(id)?.push(n);
        lastSuccess.set(id, Date.now());
      } catch {
        errors++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  killedAt = Date.now();
  process.kill(victim.pid, "SIGKILL");
  // Wait for the promotion, as seen by a surviving node.
  let promotedAt = 0;
  while (!promotedAt) {
    const now = await clusterNodes(survivor.url);
    const promoted = (l: string) =>
      replicaIds.includes(l.split(" ")[0]) && /(^|,)master(,|$)/.test(l.split(" ")[2] ?? "");
    if (now.some(promoted)) {
      promotedAt = Date.now();
    } else await new Promise((r) => setTimeout(r, 20));
    assert.ok(Date.now() - killedAt < 30_000, "replica promoted within 30 s");
  }
  // Recovery: every conversation (those on the failed master included) writes again.
  let recoveredAt = 0;
  while (!recoveredAt) {
    if (ids.every((id) => (lastSuccess.get(id) ?? 0) > promotedAt)) recoveredAt = Date.now();
    else await new Promise((r) => setTimeout(r, 10));
    assert.ok(Date.now() - promotedAt < 20_000, "convmem resumed within 20 s of the promotion");
  }
  await new Promise((r) => setTimeout(r, 500));
  running = false;
  await Promise.all(workers);

  let lost = 0;
  let total = 0;
  for (const id of ids) {
    const stored = new Set((await manager.getMemory(id).getList("acked")) as number[]);
    for (const n of acked.get(id) ?? []) {
      total++;
      if (!stored.has(n)) lost++;
    }
  }
  return { acked: total, lost, errors, recoveryMs: Math.max(0, recoveredAt - promotedAt) };
}

// Bounded, so a stuck failover fails the test instead of holding CI until its own limit.
describe("cluster failover", { timeout: 240_000 }, () => {
  for (const durable of [false, true]) {
    // With durability on, the promoted replica must itself have a replica to acknowledge WAIT,
    // so that cluster runs two replicas per master.
    it(`a master is killed under load; convmem resumes${durable ? " and loses no acknowledged write (durability on)" : " (durability off: losses reported)"}`, async () => {
      const cluster = await startCluster({ masters: 3, replicas: durable ? 2 : 1 });
      const manager = createMemoryManager({
        redis: { cluster: { rootNodes: cluster.rootNodes } },
        timeoutMs: 2000,
        ...(durable ? { durability: { replicas: 1, timeoutMs: 500 } } : {}),
      });
      try {
        const result = await failoverUnderLoad(cluster, manager);
        console.log(`failover (durability ${durable ? "on" : "off"}): ${JSON.stringify(result)}`);
        assert.ok(result.acked > 100, `sustained load: ${result.acked} acknowledged writes`);
        assert.ok(result.recoveryMs < 10_000, `resumed ${result.recoveryMs} ms after promotion`);
        if (durable) assert.equal(result.lost, 0, "no acknowledged write lost with durability on");
      } finally {
        await manager.close();
        await cluster.stop();
      }
    });
  }
});

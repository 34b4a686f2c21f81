/**
 * A cluster failover under load, shared by `test/cluster/failover.test.ts` and
 * `bench/failover.mjs` (which imports the compiled copy): conversations append without pause,
 * the first node (a master) is SIGKILLed, its replica's promotion is watched from a surviving
 * node, and every acknowledged append is looked for afterwards.
 */
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager } from "../../src/index.js";
import { type RedisCluster, startCluster } from "./redis-cluster.js";

/** What one failover did. */
export interface FailoverResult {
  /** Acknowledged appends, and how many of them are missing afterwards. */
  acked: number;
  lost: number;
  /** Appends that failed (while the master was down). */
  errors: number;
  /** ms from the replica's promotion until every conversation has written again. */
  recoveryMs: number;
}

/** Timing of the workload and the watchers, ms. */
export interface FailoverOptions {
  /** Conversations appending concurrently. */
  conversations?: number;
  /** Pause of a worker after a failed append. */
  retryMs?: number;
  /** Poll interval of the promotion and recovery watchers. */
  pollMs?: number;
  /** Load before the kill, and after the recovery. */
  warmupMs?: number;
  settleMs?: number;
}

/** `CLUSTER NODES` of one node, a line per node. */
export async function clusterNodes(url: string): Promise<string[]> {
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kills `cluster.nodes[0]` (a master with a replica) while `manager` appends to many
 * conversations. Throws if the replica is not promoted within 30 s or convmem does not write
 * again within 20 s of the promotion.
 */
export async function failoverUnderLoad(
  cluster: RedisCluster,
  manager: MemoryManager,
  options: FailoverOptions = {},
): Promise<FailoverResult> {
  const { conversations = 24, retryMs = 20, pollMs = 10, warmupMs = 1000, settleMs = 500 } = options;
  const [victim, survivor] = cluster.nodes;
  if (!victim || !survivor) throw new Error("the cluster needs at least two nodes");
  const lines = await clusterNodes(victim.url);
  const victimId = lines.find((l) => l.includes("myself"))?.split(" ")[0];
  if (!victimId || !lines.some((l) => l.includes(`slave ${victimId}`))) {
    throw new Error("the victim must be a master with a replica");
  }
  const replicaIds = lines.filter((l) => l.includes(`slave ${victimId}`)).map((l) => l.split(" ")[0]);

  const ids = Array.from({ length: conversations }, (_, i) => `failover-${i}`);
  const acked = new Map<string, number[]>(ids.map((id) => [id, []]));
  const lastSuccess = new Map<string, number>();
  let errors = 0;
  let running = true;
  let seq = 0;
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
        await sleep(retryMs);
      }
    }
  });
  try {
    await sleep(warmupMs);
    const killedAt = Date.now();
    process.kill(victim.pid, "SIGKILL");
    // The promotion, as a surviving node sees it.
    const promoted = (l: string) =>
      replicaIds.includes(l.split(" ")[0]) && /(^|,)master(,|$)/.test(l.split(" ")[2] ?? "");
    let promotedAt = 0;
    while (!promotedAt) {
      if ((await clusterNodes(survivor.url)).some(promoted)) promotedAt = Date.now();
      else await sleep(pollMs);
      if (Date.now() - killedAt > 30_000) throw new Error("the replica was not promoted within 30 s");
    }
    // Recovery: every conversation (those on the failed master's slots included) writes again.
    let recoveredAt = 0;
    while (!recoveredAt) {
      if (ids.every((id) => (lastSuccess.get(id) ?? 0) > promotedAt)) recoveredAt = Date.now();
      else await sleep(pollMs);
      if (Date.now() - promotedAt > 20_000)
        throw new Error("convmem did not resume within 20 s of the promotion");
    }
    await sleep(settleMs);
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
  } finally {
    running = false;
    await Promise.all(workers);
  }
}

/**
 * One failover on a fresh 3-master cluster (one replica per master; two with `durable`, so the
 * promoted replica has a replica of its own to acknowledge `WAIT`), with a manager using
 * `durability: { replicas: 1 }` when `durable`. Everything is stopped afterwards.
 */
export async function failoverOnFreshCluster(
  durable: boolean,
  options: FailoverOptions = {},
): Promise<FailoverResult> {
  const cluster = await startCluster({ masters: 3, replicas: durable ? 2 : 1 });
  const manager = createMemoryManager({
    redis: { cluster: { rootNodes: cluster.rootNodes } },
    timeoutMs: 2000,
    ...(durable ? { durability: { replicas: 1, timeoutMs: 500 } } : {}),
  });
  try {
    return await failoverUnderLoad(cluster, manager, options);
  } finally {
    await manager.close();
    await cluster.stop();
  }
}

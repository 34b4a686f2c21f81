/**
 * Cluster failover under sustained load (3 masters + 3 replicas): a master is SIGKILLed, its
 * replica is promoted, and convmem resumes on its own. With `durability: { replicas: 1 }`
 * every acknowledged write is present afterwards. Without it, the test reports how many
 * acknowledged writes were lost (asynchronous replication may lose the last ones).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryManager } from "../../src/index.js";
import { failoverUnderLoad } from "../helpers/failover.js";
import { startCluster } from "../helpers/redis-cluster.js";

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

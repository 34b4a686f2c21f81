/**
 * Cluster failover under sustained load (3 masters + 3 replicas): a master is SIGKILLed, its
 * replica is promoted, and convmem resumes on its own. With `durability: { replicas: 1 }`
 * every acknowledged write is present afterwards. Without it, the test reports how many
 * acknowledged writes were lost (asynchronous replication may lose the last ones).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { failoverOnFreshCluster } from "../helpers/failover.js";

// Bounded, so a stuck failover fails the test instead of holding CI until its own limit.
describe("cluster failover", { timeout: 240_000 }, () => {
  for (const durable of [false, true]) {
    it(`a master is killed under load; convmem resumes${durable ? " and loses no acknowledged write (durability on)" : " (durability off: losses reported)"}`, async () => {
      const result = await failoverOnFreshCluster(durable);
      console.log(`failover (durability ${durable ? "on" : "off"}): ${JSON.stringify(result)}`);
      assert.ok(result.acked > 100, `sustained load: ${result.acked} acknowledged writes`);
      assert.ok(result.recoveryMs < 10_000, `resumed ${result.recoveryMs} ms after promotion`);
      if (durable) assert.equal(result.lost, 0, "no acknowledged write lost with durability on");
    });
  }
});

// Failover benchmark (not a test): kills a cluster master under load N times (fresh 3+3 cluster
// each time) and reports the median time from the replica's promotion until every conversation
// writes again, and acknowledged writes lost with and without `durability`. The failover itself
// is the test suite's (test/helpers/failover.ts), with tighter polling for the timing.
// Needs the compiled test harness: npm run build && npm run build:test && node bench/failover.mjs [runs]
import { failoverOnFreshCluster } from "../build/test/helpers/failover.js";

const RUNS = Number(process.argv[2] ?? 5);
const once = (durable) => failoverOnFreshCluster(durable, { retryMs: 5, pollMs: 5, settleMs: 300 });

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

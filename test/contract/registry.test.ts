/** The contract's the conversation registry (src/testing/registry.ts, `convmem/testing`) on every selected target. */
import { runStoreContract } from "../../src/testing/index.js";
import { contractTargets, nodeTestRunner } from "../helpers/targets.js";

for (const target of contractTargets()) {
  // The registry's tests run concurrently, and each walks all 16,384 buckets a few times: on a
  // 3-master Cluster that is about 15 s for all of them together, up to twice as long while
  // another test file runs beside this one (npm test runs two at a time) — so more than the
  // contract's default 30 s per test.
  runStoreContract({ ...nodeTestRunner, ...target, areas: ["registry"], timeoutMs: 120_000 });
}

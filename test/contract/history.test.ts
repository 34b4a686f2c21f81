/** The contract's history (src/testing/history.ts, `convmem/testing`) on every selected target. */
import { runStoreContract } from "../../src/testing/index.js";
import { contractTargets, nodeTestRunner } from "../helpers/targets.js";

for (const target of contractTargets()) {
  runStoreContract({ ...nodeTestRunner, ...target, areas: ["history"] });
}

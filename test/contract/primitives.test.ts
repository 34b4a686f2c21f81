/** The contract's primitives (src/testing/primitives.ts, `convmem/testing`) on every selected target. */
import { runStoreContract } from "../../src/testing/index.js";
import { contractTargets, nodeTestRunner } from "../helpers/targets.js";

for (const target of contractTargets()) {
  runStoreContract({ ...nodeTestRunner, ...target, areas: ["primitives"] });
}

/** The contract's the API.md examples (src/testing/examples.ts, `convmem/testing`) on every selected target. */
import { runStoreContract } from "../../src/testing/index.js";
import { contractTargets, nodeTestRunner } from "../helpers/targets.js";

for (const target of contractTargets()) {
  runStoreContract({ ...nodeTestRunner, ...target, areas: ["examples"] });
}

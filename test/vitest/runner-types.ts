/**
 * Compile-time proof that vitest's functions fit `runStoreContract`'s options as documented
 * (contract.vitest.mjs is plain JS, so this is where the types are checked). Emits no test.
 */
import type * as vitest from "vitest";
import type { StoreContractOptions } from "../../src/testing/index.js";

type RunnerOptions = Pick<
  StoreContractOptions,
  "describe" | "describeConcurrent" | "it" | "before" | "after"
>;

export function vitestRunner(v: typeof vitest): RunnerOptions {
  return {
    describe: v.describe,
    describeConcurrent: v.describe.concurrent,
    it: v.it,
    before: v.beforeAll,
    after: v.afterAll,
  };
}

/**
 * `convmem/testing` — convmem's store contract suite, for your own `MemoryStore`.
 *
 * `runStoreContract` registers every contract test against the store you give it, through the
 * `describe` / `it` / hooks of your test runner (node:test, vitest, jest): this module imports
 * no test runner and adds no dependency. The main entry `convmem` never loads it.
 *
 * @example node:test
 * ```ts
 * import { after, before, describe, it } from "node:test";
 * import { runStoreContract } from "convmem/testing";
 *
 * runStoreContract({ name: "MyStore", createStore: () => new MyStore(), describe, it, before, after });
 * ```
 *
 * @example vitest
 * ```ts
 * import { afterAll, beforeAll, describe, it } from "vitest";
 * import { runStoreContract } from "convmem/testing";
 *
 * runStoreContract({
 *   name: "MyStore",
 *   createStore: () => new MyStore(),
 *   describe,
 *   describeConcurrent: describe.concurrent,
 *   it,
 *   before: beforeAll,
 *   after: afterAll,
 * });
 * ```
 * @packageDocumentation
 */
export {
  CONTRACT_AREAS,
  type ContractArea,
  type ContractDescribe,
  type ContractHook,
  type ContractIt,
  type ContractManagerOptions,
  type ContractTarget,
  runStoreContract,
  type StoreContractCapabilities,
  type StoreContractOptions,
} from "./contract.js";
export {
  assertConvmemError,
  bad,
  type ConvmemErrorClass,
  freshId,
  rejectsWith,
  sleep,
  sortedItems,
  sortedKeys,
  throwsWith,
} from "./helpers.js";

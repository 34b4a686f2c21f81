/**
 * `runStoreContract`: registers convmem's contract suite against one `MemoryStore`, with the
 * test runner's own `describe` / `it` / hooks passed in, so it runs under node:test, vitest or
 * jest and depends on none of them.
 */
import {
  createMemoryManager,
  type MemoryManager,
  type MemoryManagerOptions,
  type MemoryStore,
} from "../index.js";
import { agentTests } from "./agent.js";
import { concurrencyTests } from "./concurrency.js";
import { dictTests } from "./dict.js";
import { examplesTests } from "./examples.js";
import { historyTests } from "./history.js";
import { listsTests } from "./lists.js";
import { managerTests } from "./manager.js";
import { messagesTests } from "./messages.js";
import { primitivesTests } from "./primitives.js";
import { registryTests } from "./registry.js";
import { ttlTests } from "./ttl.js";
import { valuesTests } from "./values.js";

/** A runner's `describe`: node:test `describe`, vitest `describe`, jest `describe`. */
export type ContractDescribe = (name: string, fn: () => void) => unknown;

/**
 * A runner's `it` / `test`. The suite passes its per-test timeout as the third argument, which
 * vitest and jest honour and node:test ignores (the suite enforces the timeout itself as well).
 */
export type ContractIt = (name: string, fn: () => Promise<void>, timeout?: number) => unknown;

/** A runner's once-per-suite hook: node:test `before` / `after`, vitest and jest `beforeAll` / `afterAll`. */
export type ContractHook = (fn: () => Promise<void>) => unknown;

/** The areas of the contract, one module each; `runStoreContract` runs all by default. */
export const CONTRACT_AREAS = [
  "dict",
  "lists",
  "messages",
  "history",
  "primitives",
  "ttl",
  "values",
  "manager",
  "registry",
  "concurrency",
  "agent",
  "examples",
] as const;

export type ContractArea = (typeof CONTRACT_AREAS)[number];

/** Every `createMemoryManager` option except the backend selection. */
export type ContractManagerOptions = Omit<MemoryManagerOptions, "redis" | "store">;

/** What the store under test can do; everything defaults to `true` (a complete store). */
export interface StoreContractCapabilities {
  /**
   * The store expires data after its TTL, and ages conversations (`lastActivity`), in real
   * time. `false` leaves out the tests that sleep to observe it (TTL expiry; the registry's
   * expired-conversation and idle-cleanup tests), e.g. while a store is being written. A
   * conforming store passes with it on.
   * @default true
   */
  expiry?: boolean;
}

/** The target handed to an `extend` callback (and, internally, to every area). */
export interface ContractTarget {
  /** The `name` given to `runStoreContract`. */
  readonly name: string;
  /**
   * A new manager on the store under test. Every manager of one run shares the one store
   * from `createStore()` (as two processes share one Redis server); the suite closes them
   * all, then the store, in its `after` hook. Closing a manager does not close the store.
   */
  newManager(opts?: Partial<ContractManagerOptions>): MemoryManager;
}

/** Options of {@link runStoreContract}. */
export interface StoreContractOptions {
  /** The name of the top-level `describe` block, e.g. your store's class name. */
  name: string;
  /**
   * Creates the store under test; called once per run (in `before`, if given, else before the
   * first test). Every manager of the run uses that one store; it is closed at the end
   * (in `after`).
   */
  createStore: () => MemoryStore | Promise<MemoryStore>;
  describe: ContractDescribe;
  /**
   * A `describe` whose tests may run concurrently: the suite's groups that sleep for real
   * (TTL expiry, registry) use it, which cuts ~55 s of waiting to ~9 s. node:test:
   * `(name, fn) => describe(name, { concurrency: true }, fn)`; vitest: `describe.concurrent`
   * (raise `maxConcurrency`, default 5, to ~30). Defaults to `describe` (serial).
   */
  describeConcurrent?: ContractDescribe | undefined;
  it: ContractIt;
  /** Creates the store before the first test (so a failing `createStore` fails here). */
  before?: ContractHook | undefined;
  /** Closes every manager the suite created, then the store. Without it the store stays open. */
  after?: ContractHook | undefined;
  /**
   * Per-test timeout in ms, passed to `it` as its third argument and enforced by the suite.
   * @default 30000
   */
  timeoutMs?: number | undefined;
  /** What the store can do; see {@link StoreContractCapabilities}. */
  capabilities?: StoreContractCapabilities | undefined;
  /** Runs only these areas (in this order). @default CONTRACT_AREAS (all) */
  areas?: readonly ContractArea[] | undefined;
  /**
   * Registers tests of your own inside the suite's `describe` block, sharing its store and
   * lifecycle: call your runner's `it` in it and `target.newManager()` inside the tests.
   */
  extend?: ((target: ContractTarget) => void) | undefined;
}

/** What an area module receives: the runner's functions, adapted, and the target. */
export interface ContractContext extends ContractTarget {
  readonly capabilities: Required<StoreContractCapabilities>;
  readonly describe: {
    (name: string, fn: () => void): void;
    (name: string, options: { concurrency: true }, fn: () => void): void;
  };
  readonly it: (name: string, fn: () => void | Promise<void>) => void;
}

type AreaTests = (t: ContractContext) => void;

const AREA_TESTS: Record<ContractArea, AreaTests> = {
  dict: dictTests,
  lists: listsTests,
  messages: messagesTests,
  history: historyTests,
  primitives: primitivesTests,
  ttl: ttlTests,
  values: valuesTests,
  manager: managerTests,
  registry: registryTests,
  concurrency: concurrencyTests,
  agent: agentTests,
  examples: examplesTests,
};

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Registers convmem's store contract suite (every behaviour of the public API: dict and list
 * operations, messages, TTL and expiry, values, the manager, the registry, concurrency, the
 * agent helper and the API.md examples) against the `MemoryStore` that `createStore` makes.
 * Call it at the top level of a test file. It imports no test runner: pass your runner's
 * functions. Assertions use `node:assert`.
 *
 * @example node:test
 * ```ts
 * import { after, before, describe, it } from "node:test";
 * import { runStoreContract } from "convmem/testing";
 * import { MyStore } from "../src/my-store.js";
 *
 * runStoreContract({
 *   name: "MyStore",
 *   createStore: () => new MyStore(),
 *   describe,
 *   describeConcurrent: (name, fn) => describe(name, { concurrency: true }, fn),
 *   it,
 *   before,
 *   after,
 * });
 * ```
 *
 * @example vitest (set `test.maxConcurrency: 30` in vitest.config for `describe.concurrent`)
 * ```ts
 * import { afterAll, beforeAll, describe, it } from "vitest";
 * import { runStoreContract } from "convmem/testing";
 * import { MyStore } from "../src/my-store.js";
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
 */
export function runStoreContract(options: StoreContractOptions): void {
  const areas = options.areas ?? CONTRACT_AREAS;
  for (const area of areas) {
    if (!Object.hasOwn(AREA_TESTS, area)) {
      throw new TypeError(
        `runStoreContract: unknown area ${JSON.stringify(area)}; known areas: ${CONTRACT_AREAS.join(", ")}`,
      );
    }
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError("runStoreContract: timeoutMs must be a positive number of milliseconds");
  }
  const capabilities: Required<StoreContractCapabilities> = {
    expiry: options.capabilities?.expiry ?? true,
  };
  const { name } = options;

  let storePromise: Promise<MemoryStore> | undefined;
  let store: MemoryStore | undefined;
  let view: MemoryStore | undefined;
  const managers: MemoryManager[] = [];
  const ready = (): Promise<MemoryStore> => {
    storePromise ??= Promise.resolve()
      .then(() => options.createStore())
      .then((created) => {
        store = created;
        view = sharedView(created);
        return created;
      });
    return storePromise;
  };

  const target: ContractTarget = {
    name,
    newManager(opts = {}) {
      if (view === undefined) throw new Error(`${name}: newManager() called before the store was created`);
      const manager = createMemoryManager({ ...opts, store: view });
      managers.push(manager);
      return manager;
    },
  };

  const concurrent = options.describeConcurrent ?? options.describe;
  const ctx: ContractContext = {
    ...target,
    capabilities,
    describe: (groupName: string, second: (() => void) | { concurrency: true }, third?: () => void) => {
      if (typeof second === "function") options.describe(groupName, second);
      else if (third !== undefined) concurrent(groupName, third);
    },
    it: (testName, fn) => {
      options.it(
        testName,
        async () => {
          await ready();
          await withTimeout(fn, timeoutMs, testName);
        },
        timeoutMs,
      );
    },
  };

  options.describe(name, () => {
    options.before?.(async () => {
      await ready();
    });
    options.after?.(async () => {
      const results = await Promise.allSettled(managers.splice(0).map((m) => m.close()));
      if (storePromise !== undefined) {
        await storePromise.catch(() => undefined);
        if (store !== undefined) {
          const closing = store;
          store = undefined;
          await closing.close();
        }
      }
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    });
    for (const area of areas) AREA_TESTS[area](ctx);
    options.extend?.(target);
  });
}

/**
 * The store as every manager of the run sees it: the same object (same prototype, so
 * `instanceof` holds) except that `close()` does nothing; the suite closes the real store once.
 */
function sharedView(store: MemoryStore): MemoryStore {
  const bound = new Map<PropertyKey, unknown>();
  const close = async (): Promise<void> => {};
  return new Proxy(store, {
    get(real, prop) {
      if (prop === "close") return close;
      const value: unknown = Reflect.get(real, prop, real);
      if (typeof value !== "function") return value;
      let fn = bound.get(prop);
      if (fn === undefined) {
        fn = value.bind(real);
        bound.set(prop, fn);
      }
      return fn;
    },
  });
}

async function withTimeout(fn: () => void | Promise<void>, ms: number, testName: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`test ${JSON.stringify(testName)} timed out after ${ms} ms`)),
      ms,
    );
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

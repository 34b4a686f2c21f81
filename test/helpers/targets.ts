/**
 * The backends the contract suite runs on, selected by `CONVMEM_TEST_TARGETS`: a comma list of
 * `memory`, `redis` (a standalone redis-server), `cluster` (3 masters), `sentinel` (primary,
 * replica, 3 sentinels); default `memory,redis,cluster`. An unknown name fails the file.
 *
 * - `contractTargets()` + `nodeTestRunner`: what test/contract/*.test.ts pass to the exported
 *   `runStoreContract` (convmem/testing), one call per selected target. Its `createStore`
 *   starts the backend; closing the store stops it. Every manager of one run shares that store.
 * - `forEachTarget(fn)` registers a `describe` block per selected backend and calls `fn` inside
 *   it. Within one block (one test file), every manager a test creates shares the same
 *   backend: one `InMemoryStore` instance, or one `redis-server` started for the file, each
 *   manager with its own connection. So two managers from `newManager()` behave like two
 *   processes on the same Redis. Tests use `freshId()` for every conversation, so nothing
 *   needs flushing between tests.
 *
 * Without `redis-server` on PATH the Redis targets fail (never skip), with a message saying so.
 */
import { after, before, describe, it } from "node:test";
import {
  createMemoryManager,
  InMemoryStore,
  type MemoryManager,
  type MemoryStore,
  type RedisInput,
  RedisStore,
} from "../../src/index.js";
import type { ContractManagerOptions, StoreContractOptions } from "../../src/testing/index.js";
import { startCluster } from "./redis-cluster.js";
import { startSentinel } from "./redis-sentinel.js";
import { startRedis } from "./redis-server.js";

export {
  assertConvmemError,
  bad,
  freshId,
  rejectsWith,
  sleep,
  sortedItems,
  sortedKeys,
  throwsWith,
} from "../../src/testing/helpers.js";

/** Every `createMemoryManager` option except the backend selection. */
export type ManagerOptions = ContractManagerOptions;

export interface Target {
  name: string;
  /** A new manager on this target's shared backend; closed automatically after the file. */
  newManager(opts?: Partial<ManagerOptions>): MemoryManager;
  /** Set (after `before`) for Redis targets only. */
  readonly redisUrl?: string | undefined;
}

export const TARGET_IDS = ["memory", "redis", "cluster", "sentinel"] as const;
export type TargetId = (typeof TARGET_IDS)[number];
export const DEFAULT_TARGETS: readonly TargetId[] = ["memory", "redis", "cluster"];

/** A started backend: an in-memory store, or what a Redis client connects to. */
interface Backend {
  store?: MemoryStore;
  redis?: RedisInput;
  redisUrl?: string;
  stop(): Promise<void>;
}

const BACKENDS: Record<TargetId, { name: string; start(): Promise<Backend> }> = {
  memory: {
    name: "InMemoryStore",
    start: async () => ({ store: new InMemoryStore(), stop: async () => {} }),
  },
  redis: {
    name: "RedisStore (standalone)",
    start: async () => {
      const server = await startRedis();
      return { redis: server.url, redisUrl: server.url, stop: () => server.stop() };
    },
  },
  cluster: {
    name: "RedisStore (cluster, 3 masters)",
    start: async () => {
      const cluster = await startCluster({ masters: 3 });
      return {
        redis: { cluster: { rootNodes: cluster.rootNodes } },
        redisUrl: cluster.url,
        stop: () => cluster.stop(),
      };
    },
  },
  sentinel: {
    name: "RedisStore (sentinel: primary, replica, 3 sentinels)",
    start: async () => {
      const setup = await startSentinel();
      return { redis: setup.url, redisUrl: setup.url, stop: () => setup.stop() };
    },
  },
};

/** The targets named by `CONVMEM_TEST_TARGETS` (default `memory,redis,cluster`), in that order. */
export function selectedTargets(value: string | undefined = process.env.CONVMEM_TEST_TARGETS): TargetId[] {
  const names = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) return [...DEFAULT_TARGETS];
  const ids: TargetId[] = [];
  for (const name of names) {
    if (!(TARGET_IDS as readonly string[]).includes(name)) {
      throw new Error(
        `CONVMEM_TEST_TARGETS: unknown target ${JSON.stringify(name)} (known: ${TARGET_IDS.join(", ")}; default: ${DEFAULT_TARGETS.join(",")})`,
      );
    }
    if (!ids.includes(name as TargetId)) ids.push(name as TargetId);
  }
  return ids;
}

/** node:test's functions, shaped for `runStoreContract`. */
export const nodeTestRunner = {
  describe,
  describeConcurrent: (name: string, fn: () => void) => describe(name, { concurrency: true }, fn),
  it,
  before,
  after,
} satisfies Pick<StoreContractOptions, "describe" | "describeConcurrent" | "it" | "before" | "after">;

/**
 * One `{ name, createStore }` per selected target. `createStore` starts the backend (a
 * redis-server, a cluster, …) and returns a store whose `close()` also stops it.
 */
export function contractTargets(): Array<Pick<StoreContractOptions, "name" | "createStore">> {
  return selectedTargets().map((id) => {
    const backend = BACKENDS[id];
    return {
      name: backend.name,
      createStore: async () => {
        const started = await backend.start();
        const store = started.store ?? new RedisStore({ redis: started.redis });
        return closingAlso(store, started.stop);
      },
    };
  });
}

/** `store`, except that `close()` closes it and then runs `stop`. */
function closingAlso(store: MemoryStore, stop: () => Promise<void>): MemoryStore {
  const close = async (): Promise<void> => {
    try {
      await store.close();
    } finally {
      await stop();
    }
  };
  return new Proxy(store, {
    get(real, prop) {
      if (prop === "close") return close;
      const value: unknown = Reflect.get(real, prop, real);
      return typeof value === "function" ? value.bind(real) : value;
    },
  });
}

function registerTarget(id: TargetId, fn: (t: Target) => void): void {
  const { name, start } = BACKENDS[id];
  describe(name, () => {
    const managers: MemoryManager[] = [];
    let backend: Backend | undefined;

    before(async () => {
      backend = await start();
    });

    after(async () => {
      const results = await Promise.allSettled(managers.splice(0).map((m) => m.close()));
      if (backend !== undefined) await backend.stop();
      const failed = results.find((r) => r.status === "rejected");
      if (failed !== undefined && failed.status === "rejected") throw failed.reason;
    });

    const target: Target = {
      name,
      newManager(opts = {}) {
        if (backend === undefined)
          throw new Error(`${name}: newManager() called before the target was set up`);
        const manager =
          backend.store !== undefined
            ? createMemoryManager({ ...opts, store: backend.store })
            : createMemoryManager({ ...opts, redis: backend.redis });
        managers.push(manager);
        return manager;
      },
      get redisUrl() {
        return backend?.redisUrl;
      },
    };
    fn(target);
  });
}

/** Registers the suite `fn` once per selected backend (see the module comment). */
export function forEachTarget(fn: (t: Target) => void): void {
  for (const id of selectedTargets()) registerTarget(id, fn);
}

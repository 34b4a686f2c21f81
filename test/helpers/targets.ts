/**
 * Runs one contract suite unchanged against every backend.
 *
 * `forEachTarget(fn)` registers a `describe` block per backend and calls `fn` inside it.
 * Within one block (one test file), every manager a test creates shares the same
 * backend: one `InMemoryStore` instance, or one `redis-server` started for the file. So
 * two managers from `newManager()` behave like two processes on the same Redis. Tests use
 * `freshId()` for every conversation, so nothing needs flushing between tests.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe } from "node:test";
import {
  ConflictError,
  ConvmemError,
  createMemoryManager,
  FieldNotFoundError,
  InMemoryStore,
  ListIndexError,
  type MemoryManager,
  SerializationError,
  StoreError,
  StoreUnavailableError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "../../src/index.js";
import { type RedisCluster, startCluster } from "./redis-cluster.js";
import { type RedisServer, startRedis } from "./redis-server.js";

/** Every `createMemoryManager` option except the backend selection. */
export type ManagerOptions = Omit<NonNullable<Parameters<typeof createMemoryManager>[0]>, "redis" | "store">;

export interface Target {
  name: string;
  /** A new manager on this target's shared backend; closed automatically after the file. */
  newManager(opts?: Partial<ManagerOptions>): MemoryManager;
  /** Set (after `before`) for Redis targets only. */
  readonly redisUrl?: string | undefined;
}

/** A conversation id no other test uses. */
export function freshId(label = "conv"): string {
  return `${label}-${randomUUID()}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets a deliberately invalid value through the type checker. */
export function bad(value: unknown): never {
  return value as never;
}

type ErrorClass = abstract new (...args: never[]) => ConvmemError;

const CODES = new Map<ErrorClass, string>([
  [FieldNotFoundError, "ERR_FIELD_NOT_FOUND"],
  [ListIndexError, "ERR_LIST_INDEX"],
  [WrongTypeError, "ERR_WRONG_TYPE"],
  [SerializationError, "ERR_SERIALIZATION"],
  [ValueTooLargeError, "ERR_VALUE_TOO_LARGE"],
  [ValidationError, "ERR_VALIDATION"],
  [StoreUnavailableError, "ERR_STORE_UNAVAILABLE"],
  [StoreError, "ERR_STORE"],
  [ConflictError, "ERR_CONFLICT"],
]);

/** Asserts `err` is a `cls` (and a `ConvmemError`) carrying the documented `code`. */
export function assertConvmemError(err: unknown, cls: ErrorClass, messageIncludes?: string): void {
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${describeError(err)}`);
  assert.ok(err instanceof ConvmemError, `${cls.name} must extend ConvmemError`);
  assert.ok(err instanceof Error);
  assert.equal(err.code, CODES.get(cls), `${cls.name}.code`);
  if (messageIncludes !== undefined) {
    assert.ok(
      err.message.includes(messageIncludes),
      `expected the message to mention ${JSON.stringify(messageIncludes)}, got ${JSON.stringify(err.message)}`,
    );
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.constructor.name}: ${err.message}`;
  return `non-error ${String(err)}`;
}

/**
 * Asserts that the promise rejects with `cls`. The promise is passed directly (not a
 * thunk), so a method that throws synchronously instead of rejecting fails the test:
 * every `ConversationMemory` method is async.
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  cls: ErrorClass,
  messageIncludes?: string,
): Promise<void> {
  let settled = false;
  try {
    await promise;
    settled = true;
  } catch (err) {
    assertConvmemError(err, cls, messageIncludes);
  }
  assert.ok(!settled, `expected a rejection with ${cls.name}, but the call resolved`);
}

/** Asserts that `fn` throws `cls` synchronously. */
export function throwsWith(fn: () => unknown, cls: ErrorClass, messageIncludes?: string): void {
  let returned = false;
  try {
    fn();
    returned = true;
  } catch (err) {
    assertConvmemError(err, cls, messageIncludes);
  }
  assert.ok(!returned, `expected ${cls.name} to be thrown synchronously`);
}

function sortedByField<T extends readonly [string, unknown]>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** `keys()` / `items()` order is unspecified: compare sorted. */
export function sortedKeys(keys: readonly string[]): string[] {
  return [...keys].sort();
}

export function sortedItems(
  items: ReadonlyArray<readonly [string, unknown]>,
): Array<readonly [string, unknown]> {
  return sortedByField(items);
}

interface TargetState {
  managers: MemoryManager[];
}

function registerTarget(
  name: string,
  setup: () => Promise<{
    build: (opts: Partial<ManagerOptions>) => MemoryManager;
    redisUrl?: string;
    teardown: () => Promise<void>;
  }>,
  fn: (t: Target) => void,
): void {
  describe(name, () => {
    const state: TargetState = { managers: [] };
    let build: ((opts: Partial<ManagerOptions>) => MemoryManager) | undefined;
    let teardown: (() => Promise<void>) | undefined;
    let redisUrl: string | undefined;

    before(async () => {
      const ready = await setup();
      build = ready.build;
      teardown = ready.teardown;
      redisUrl = ready.redisUrl;
    });

    after(async () => {
      const managers = state.managers.splice(0);
      const results = await Promise.allSettled(managers.map((m) => m.close()));
      if (teardown !== undefined) await teardown();
      const failed = results.find((r) => r.status === "rejected");
      if (failed !== undefined && failed.status === "rejected") throw failed.reason;
    });

    const target: Target = {
      name,
      newManager(opts = {}) {
        if (build === undefined) throw new Error(`${name}: newManager() called before the target was set up`);
        const manager = build(opts);
        state.managers.push(manager);
        return manager;
      },
      get redisUrl() {
        return redisUrl;
      },
    };
    fn(target);
  });
}

/** Registers the contract suite `fn` once per backend. */
export function forEachTarget(fn: (t: Target) => void): void {
  registerTarget(
    "InMemoryStore",
    async () => {
      const store = new InMemoryStore();
      return {
        build: (opts) => createMemoryManager({ ...opts, store }),
        teardown: async () => {},
      };
    },
    fn,
  );

  registerTarget(
    "RedisStore (standalone)",
    async () => {
      const server: RedisServer = await startRedis();
      return {
        build: (opts) => createMemoryManager({ ...opts, redis: server.url }),
        redisUrl: server.url,
        teardown: () => server.stop(),
      };
    },
    fn,
  );

  registerTarget(
    "RedisStore (cluster, 3 masters)",
    async () => {
      const cluster: RedisCluster = await startCluster({ masters: 3 });
      return {
        build: (opts) =>
          createMemoryManager({ ...opts, redis: { cluster: { rootNodes: cluster.rootNodes } } }),
        redisUrl: cluster.url,
        teardown: () => cluster.stop(),
      };
    },
    fn,
  );
}

/**
 * `runStoreContract` itself (convmem/testing), driven by a minimal hand-written runner: it
 * registers through the functions it is given, shares one store among its managers, closes it
 * once at the end, enforces its timeout, and rejects bad options.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InMemoryStore, type MemoryStore } from "../../src/index.js";
import {
  CONTRACT_AREAS,
  type ContractArea,
  runStoreContract,
  type StoreContractOptions,
} from "../../src/testing/index.js";

interface Registered {
  name: string;
  fn: () => Promise<void>;
  timeout: number | undefined;
}

/** A runner that records: describe runs its body at once; tests and hooks are collected. */
function recordingRunner() {
  const tests: Registered[] = [];
  const before: Array<() => Promise<void>> = [];
  const after: Array<() => Promise<void>> = [];
  const groups: string[] = [];
  const concurrentGroups: string[] = [];
  const runner = {
    describe: (name: string, fn: () => void) => {
      groups.push(name);
      fn();
    },
    describeConcurrent: (name: string, fn: () => void) => {
      concurrentGroups.push(name);
      fn();
    },
    it: (name: string, fn: () => Promise<void>, timeout?: number) => {
      tests.push({ name, fn, timeout });
    },
    before: (fn: () => Promise<void>) => {
      before.push(fn);
    },
    after: (fn: () => Promise<void>) => {
      after.push(fn);
    },
  } satisfies Partial<StoreContractOptions>;
  return { runner, tests, before, after, groups, concurrentGroups };
}

function count(options: Partial<StoreContractOptions> = {}): number {
  const r = recordingRunner();
  runStoreContract({ name: "count", createStore: () => new InMemoryStore(), ...r.runner, ...options });
  return r.tests.length;
}

/** An InMemoryStore that counts its `close()` calls. */
class CountingStore extends InMemoryStore {
  closes = 0;
  override async close(): Promise<void> {
    this.closes++;
    await super.close();
  }
}

describe("runStoreContract", () => {
  it("registers every area by default; areas select a subset that adds up to the whole", () => {
    const total = count();
    assert.ok(total > 150, `${total} tests`);
    const perArea = CONTRACT_AREAS.map((area) => count({ areas: [area] }));
    assert.ok(perArea.every((n) => n > 0));
    assert.equal(
      perArea.reduce((a, b) => a + b, 0),
      total,
    );
  });

  it("groups everything under `name`, uses describeConcurrent for the sleeping groups, passes the timeout to it", () => {
    const r = recordingRunner();
    runStoreContract({
      name: "MyStore",
      createStore: () => new InMemoryStore(),
      ...r.runner,
      timeoutMs: 1234,
    });
    assert.equal(r.groups[0], "MyStore");
    assert.deepEqual(r.concurrentGroups, ["TTL: expiry", "registry"]);
    assert.ok(r.tests.every((t) => t.timeout === 1234));
    assert.equal(r.before.length, 1);
    assert.equal(r.after.length, 1);
  });

  it("capabilities.expiry false leaves out exactly the tests that wait for expiry", () => {
    assert.equal(count() - count({ capabilities: { expiry: false } }), 23);
    assert.equal(count({ areas: ["ttl"] }) - count({ areas: ["ttl"], capabilities: { expiry: false } }), 19);
  });

  it("rejects an unknown area and a bad timeout", () => {
    assert.throws(
      () => count({ areas: ["dictionary" as ContractArea] }),
      /unknown area "dictionary"; known areas: dict, lists/,
    );
    assert.throws(() => count({ timeoutMs: 0 }), /timeoutMs must be a positive number/);
  });

  it("runs an area on one shared store: created once, never closed by a manager, closed once by after", async () => {
    const r = recordingRunner();
    const stores: CountingStore[] = [];
    let extendStore: MemoryStore | undefined;
    runStoreContract({
      name: "shared",
      createStore: async () => {
        const store = new CountingStore();
        stores.push(store);
        return store;
      },
      ...r.runner,
      areas: ["manager", "concurrency"],
      extend: (target) => {
        r.runner.it("extend: closing a manager leaves the store open", async () => {
          const first = target.newManager();
          extendStore = first.store;
          await first.close();
          await target.newManager().getMemory("still-open").set("x", 1);
        });
      },
    });
    for (const hook of r.before) await hook();
    for (const test of r.tests) await test.fn();
    assert.equal(stores.length, 1, "createStore is called once per run");
    const [store] = stores;
    assert.ok(store !== undefined);
    assert.ok(extendStore instanceof CountingStore, "managers see the store itself (instanceof holds)");
    assert.equal(store.closes, 0, "no manager closed the shared store");
    for (const hook of r.after) await hook();
    assert.equal(store.closes, 1, "after closes the store once");
  });

  it("creates the store before the first test when no before hook is given", async () => {
    const r = recordingRunner();
    let created = 0;
    runStoreContract({
      name: "lazy",
      createStore: () => {
        created++;
        return new InMemoryStore();
      },
      describe: r.runner.describe,
      it: r.runner.it,
      areas: ["agent"],
    });
    assert.equal(created, 0);
    for (const test of r.tests) await test.fn();
    assert.equal(created, 1);
  });

  it("a failing createStore fails the hook and every test with its error", async () => {
    const r = recordingRunner();
    runStoreContract({
      name: "broken",
      createStore: () => Promise.reject(new Error("redis-server not found on PATH")),
      ...r.runner,
      areas: ["agent"],
    });
    await assert.rejects(r.before[0]?.() ?? Promise.resolve(), /redis-server not found/);
    for (const test of r.tests) await assert.rejects(test.fn(), /redis-server not found/);
    for (const hook of r.after) await hook();
  });

  it("enforces timeoutMs itself (node:test ignores its third argument)", async () => {
    const r = recordingRunner();
    runStoreContract({
      name: "slow",
      createStore: () => new InMemoryStore(),
      ...r.runner,
      areas: ["registry"],
      timeoutMs: 5,
    });
    const slow = r.tests.find((t) => t.name.startsWith("maxAgeSeconds 0 removes every conversation"));
    assert.ok(slow !== undefined);
    for (const hook of r.before) await hook();
    await assert.rejects(slow.fn(), /timed out after 5 ms/);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the abandoned body finish
    for (const hook of r.after) await hook();
  });
});

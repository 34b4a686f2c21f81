/**
 * Operation events (issue 20): `manager.on("operation", listener)` reports each public call
 * once it settles — method name, conversation id, duration, outcome, error code, retries —
 * and costs nothing (no timestamp taken) while nobody listens.
 */
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import {
  ConflictError,
  createMemoryManager,
  InMemoryStore,
  type OperationEvent,
  ValidationError,
  WrongTypeError,
} from "../../src/index.js";
import { forEachTarget, freshId } from "../helpers/targets.js";

/**
 * The events of `manager` from now on, with `durationMs` and `calls` checked and dropped (the
 * Redis commands of each call are checked in calls.test.ts; they differ between backends).
 */
function record(manager: { on(e: "operation", l: (e: OperationEvent) => void): unknown }) {
  const events: Array<Omit<OperationEvent, "durationMs" | "calls">> = [];
  manager.on("operation", ({ durationMs, calls, ...rest }) => {
    assert.ok(Number.isFinite(durationMs) && durationMs >= 0, `durationMs ${durationMs}`);
    for (const n of Object.values(calls)) assert.ok(Number.isSafeInteger(n) && (n ?? 0) > 0, `calls ${n}`);
    events.push(rest);
  });
  return events;
}

forEachTarget((t) => {
  describe("operation events", () => {
    it("a short workload: one event per call, with name, id, outcome and code", async () => {
      const manager = t.newManager();
      const events = record(manager);
      const id = freshId("events");
      const memory = manager.getMemory(id);
      await memory.set("prefs", { language: "en" });
      assert.deepEqual(await memory.get("prefs"), { language: "en" });
      await memory.append("log", 1);
      await memory.addMessage("user", "hi");
      await memory.getMessages({ limit: 5 });
      await assert.rejects(memory.append("prefs", 2), WrongTypeError);
      assert.equal(await memory.modify("n", (n) => ((n as number | undefined) ?? 0) + 1), 1);
      assert.equal(await manager.cleanupConversation(id), 4);
      await manager.getStats();
      const conv = (operation: string, extra: object = {}) => ({
        operation,
        conversationId: id,
        outcome: "ok",
        ...extra,
      });
      assert.deepEqual(events, [
        conv("set"),
        conv("get"),
        conv("append"),
        conv("addMessage"),
        conv("getMessages"),
        conv("append", { outcome: "error", code: "ERR_WRONG_TYPE" }),
        conv("modify", { retries: 0 }),
        conv("cleanupConversation", { removed: 4 }),
        { operation: "getStats", conversationId: undefined, outcome: "ok" },
      ]);
    });

    it("a modify that loses a compare-and-set to another manager reports its retry", async () => {
      const manager = t.newManager();
      const other = t.newManager().getMemory<{ n: number }>(freshId("contended"));
      const memory = manager.getMemory<{ n: number }>(other.conversationId);
      const events = record(manager);
      let calls = 0;
      const result = await memory.modify(
        "n",
        async (n) => {
          if (calls++ === 0) await other.set("n", 10); // another process wins the first attempt
          return n + 1;
        },
        { fallback: 0 },
      );
      assert.equal(result, 11);
      assert.equal(calls, 2);
      assert.deepEqual(events, [
        { operation: "modify", conversationId: memory.conversationId, outcome: "ok", retries: 1 },
      ]);
      const losing = async (n: number | undefined) => {
        n ??= 0;
        await other.set("n", n + 100); // another process wins every attempt
        return n + 1;
      };
      await assert.rejects(memory.modify("n", losing, { maxRetries: 3 }), ConflictError);
      assert.deepEqual(events[1], {
        operation: "modify",
        conversationId: memory.conversationId,
        outcome: "error",
        code: "ERR_CONFLICT",
        retries: 2,
      });
    });
  });
});

describe("operation events (in-memory store)", () => {
  it("no events after off(); on() twice registers once; a bad listener is a ValidationError", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const seen: string[] = [];
    const listener = (e: OperationEvent) => seen.push(e.operation);
    manager.on("operation", listener).on("operation", listener);
    const memory = manager.getMemory("c1");
    await memory.set("a", 1);
    manager.off("operation", listener);
    await memory.get("a");
    await manager.getStats();
    assert.deepEqual(seen, ["set"]);
    assert.throws(() => manager.on("operation", "nope" as never), ValidationError);
    assert.throws(() => manager.on("ops" as never, listener), ValidationError);
    await manager.close();
  });

  it("a throwing or rejecting listener never breaks the call, and warns once", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const warnings = mock.method(process, "emitWarning", () => {});
    try {
      const good: string[] = [];
      manager.on("operation", () => {
        throw new Error("listener bug");
      });
      manager.on("operation", (() => Promise.reject(new Error("async bug"))) as never);
      manager.on("operation", (e) => good.push(`${e.operation}:${e.outcome}`));
      const memory = manager.getMemory("c2");
      await memory.set("a", 1);
      assert.equal(await memory.get("a"), 1);
      await assert.rejects(memory.require("missing"), { code: "ERR_FIELD_NOT_FOUND" });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(good, ["set:ok", "get:ok", "require:error"]);
      assert.equal(warnings.mock.callCount(), 1);
      assert.match(String(warnings.mock.calls[0]?.arguments[0]), /listener threw.*listener bug/);
    } finally {
      warnings.mock.restore();
      await manager.close();
    }
  });

  it("calls after close() report ERR_CLOSED; manager-level calls have no conversation id", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const events = record(manager);
    const memory = manager.getMemory("c3");
    await memory.update({ a: 1 });
    for await (const _ of manager.conversations()) break;
    assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 3600 }), 0);
    await manager.close();
    await assert.rejects(memory.get("a"), { code: "ERR_CLOSED" });
    await assert.rejects(
      memory.modify("a", () => 2),
      { code: "ERR_CLOSED" },
    );
    await assert.rejects(manager.cleanupConversation("c3"), { code: "ERR_CLOSED" });
    assert.deepEqual(events, [
      { operation: "update", conversationId: "c3", outcome: "ok" },
      { operation: "conversations", conversationId: undefined, outcome: "ok" },
      { operation: "cleanupExpiredConversations", conversationId: undefined, outcome: "ok", removed: 0 },
      { operation: "get", conversationId: "c3", outcome: "error", code: "ERR_CLOSED" },
      { operation: "modify", conversationId: "c3", outcome: "error", code: "ERR_CLOSED", retries: 0 },
      { operation: "cleanupConversation", conversationId: "c3", outcome: "error", code: "ERR_CLOSED" },
    ]);
  });

  it("without listeners no timestamp is taken; with one, each call takes two", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const memory = manager.getMemory("c4");
    const workload = async () => {
      await memory.set("a", 1);
      await memory.get("a");
      await memory.append("l", 1);
      await memory.modify("n", (n) => ((n as number | undefined) ?? 0) + 1);
      await memory.remove("l", 1);
      await manager.getStats();
      await manager.cleanupConversation("c4");
    };
    const now = mock.method(performance, "now");
    try {
      await workload();
      assert.equal(now.mock.callCount(), 0, "performance.now() called without listeners");
      const listener = () => {};
      manager.on("operation", listener);
      await workload();
      assert.equal(now.mock.callCount(), 14);
      manager.off("operation", listener);
      await workload();
      assert.equal(now.mock.callCount(), 14);
    } finally {
      now.mock.restore();
      await manager.close();
    }
  });

  it("a listener's enabled test: dormant listeners cost what no listener costs", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const memory = manager.getMemory("c5");
    let open = false;
    let asked = 0;
    const gated: string[] = [];
    const plain: string[] = [];
    const gatedListener = (e: OperationEvent) => gated.push(e.operation);
    manager.on("operation", gatedListener, {
      enabled: () => {
        asked++;
        return open;
      },
    });
    const now = mock.method(performance, "now");
    try {
      await memory.set("a", 1);
      await memory.modify("a", (a) => (a as number) + 1);
      assert.equal(now.mock.callCount(), 0, "a dormant listener takes no timestamp");
      assert.deepEqual(gated, []);
      assert.equal(asked, 2, "asked once per call");
      open = true;
      await memory.get("a");
      await manager.getStats();
      assert.deepEqual(gated, ["get", "getStats"]);
      assert.equal(now.mock.callCount(), 4);
      // With an always-enabled listener too, every call is tracked; the dormant one gets none.
      open = false;
      manager.on("operation", (e) => plain.push(e.operation));
      await memory.get("a");
      assert.deepEqual(plain, ["get"]);
      assert.deepEqual(gated, ["get", "getStats"]);
      // Re-adding without the test makes it always enabled.
      manager.on("operation", gatedListener);
      await memory.has("a");
      assert.deepEqual(gated, ["get", "getStats", "has"]);
    } finally {
      now.mock.restore();
      await manager.close();
    }
  });

  it("an enabled test that throws counts as passing; a non-function is a ValidationError", async () => {
    const manager = createMemoryManager({ store: new InMemoryStore() });
    const seen: string[] = [];
    manager.on("operation", (e) => seen.push(e.operation), {
      enabled: () => {
        throw new Error("broken test");
      },
    });
    await manager.getMemory("c6").set("a", 1);
    assert.deepEqual(seen, ["set"]);
    assert.throws(() => manager.on("operation", () => {}, { enabled: true as never }), ValidationError);
    await manager.close();
  });
});

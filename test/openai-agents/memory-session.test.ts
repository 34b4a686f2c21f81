/**
 * The SDK's own `MemorySession` tests (openai/openai-agents-js,
 * packages/agents-core/test/memorySession.test.ts), re-run against `ConvmemSession` on every
 * selected target. `initialItems` (a MemorySession option) becomes an `addItems` first; the two
 * logger-redaction tests do not apply (ConvmemSession logs no item content at all).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { AgentInputItem, SessionHistoryTransactionArgs } from "@openai/agents-core";
import { forEachTarget } from "../helpers/targets.js";
import { newSession, rejectsUser, userMessage } from "./helpers.js";

forEachTarget((t) => {
  it("stores and retrieves items", async () => {
    const initialItems = [userMessage("hello")];
    const session = await newSession(t, initialItems);
    assert.equal(await session.getSessionId(), session.sessionId);
    assert.deepEqual(await session.getItems(), initialItems);

    const newItems = [userMessage("one"), userMessage("two")];
    await session.addItems(newItems);
    assert.deepEqual(await session.getItems(), [...initialItems, ...newItems]);
    assert.deepEqual(await session.getItems(2), newItems);

    assert.deepEqual(await session.popItem(), newItems[1]);
    assert.deepEqual(await session.getItems(), [...initialItems, newItems[0]]);

    await session.clearSession();
    assert.deepEqual(await session.getItems(), []);
    assert.deepEqual(await session.getItems(3), []);
    assert.equal(await session.popItem(), undefined);
  });

  it("returns clones so external mutations do not persist", async () => {
    const initial = userMessage("start");
    const session = await newSession(t, [initial]);
    const items = await session.getItems();
    assert.notEqual(items[0], initial);
    (items[0] as { content: unknown }).content = "mutated";
    assert.deepEqual(await session.getItems(), [userMessage("start")]);

    const next = userMessage("next");
    await session.addItems([next]);
    (next as { content: unknown }).content = "mutated";
    assert.deepEqual(await session.getItems(), [userMessage("start"), userMessage("next")]);

    const popped = await session.popItem();
    assert.deepEqual(popped, userMessage("next"));
    if (popped) (popped as { content: unknown }).content = "mutated";
    assert.deepEqual(await session.getItems(), [userMessage("start")]);
  });

  it("applies history mutations atomically", async () => {
    const session = await newSession(t, [
      userMessage("start"),
      {
        type: "function_call",
        id: "call-old-1",
        callId: "call-1",
        name: "lookup",
        status: "completed",
        arguments: '{"ok":false}',
      },
      {
        type: "function_call",
        id: "call-old-2",
        callId: "call-1",
        name: "lookup",
        status: "completed",
        arguments: '{"duplicate":true}',
      },
    ]);
    const replacement = {
      type: "function_call",
      id: "call-new",
      callId: "call-1",
      name: "lookup",
      status: "completed",
      arguments: '{"ok":true}',
    } satisfies AgentInputItem;
    await session.applyHistoryMutations({
      mutations: [{ type: "replace_function_call", callId: "call-1", replacement }],
    });
    assert.deepEqual(await session.getItems(), [userMessage("start"), replacement]);
  });

  it("applies append transactions idempotently", async () => {
    const session = await newSession(t, [userMessage("start")]);
    const appended = userMessage("committed");
    const args = {
      operationId: "operation-append-1",
      transaction: { type: "append_items" as const, items: [appended] },
    };
    await session.applyHistoryTransaction(args);
    (appended as { content: unknown }).content = "mutated";
    await session.addItems([userMessage("later")]);
    await session.applyHistoryTransaction({
      operationId: args.operationId,
      transaction: { type: "append_items", items: [userMessage("committed")] },
    });
    assert.deepEqual(await session.getItems(), [
      userMessage("start"),
      userMessage("committed"),
      userMessage("later"),
    ]);
  });

  it("replaces an exact history suffix idempotently", async () => {
    const prefix = userMessage("start");
    const expected = userMessage("blocked");
    const replacement = userMessage("accepted");
    const session = await newSession(t, [prefix, expected]);
    const transaction = {
      operationId: "operation-replace-1",
      transaction: {
        type: "replace_suffix" as const,
        expectedSuffix: [expected],
        replacement: [replacement],
      },
    };
    await session.applyHistoryTransaction(transaction);
    await session.addItems([userMessage("later")]);
    await session.applyHistoryTransaction(transaction);
    assert.deepEqual(await session.getItems(), [prefix, replacement, userMessage("later")]);
  });

  it("rejects a suffix mismatch without recording the operation", async () => {
    const start = userMessage("start");
    const session = await newSession(t, [start]);
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-replace-after-conflict",
        transaction: {
          type: "replace_suffix",
          expectedSuffix: [userMessage("different")],
          replacement: [userMessage("accepted")],
        },
      }),
      "suffix no longer matches",
    );
    assert.deepEqual(await session.getItems(), [start]);
    await session.applyHistoryTransaction({
      operationId: "operation-replace-after-conflict",
      transaction: {
        type: "replace_suffix",
        expectedSuffix: [start],
        replacement: [userMessage("accepted")],
      },
    });
    assert.deepEqual(await session.getItems(), [userMessage("accepted")]);
  });

  it("rejects operation ID reuse with different content", async () => {
    const session = await newSession(t);
    await session.applyHistoryTransaction({
      operationId: "operation-conflict",
      transaction: { type: "append_items", items: [userMessage("first")] },
    });
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-conflict",
        transaction: { type: "append_items", items: [userMessage("second")] },
      }),
      "already applied with a different transaction",
    );
    assert.deepEqual(await session.getItems(), [userMessage("first")]);
  });

  it("records an empty append transaction", async () => {
    const session = await newSession(t);
    await session.applyHistoryTransaction({
      operationId: "operation-empty",
      transaction: { type: "append_items", items: [] },
    });
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-empty",
        transaction: { type: "append_items", items: [userMessage("unexpected")] },
      }),
      "already applied with a different transaction",
    );
    assert.deepEqual(await session.getItems(), []);
  });

  it("resets transaction identities when the session is cleared", async () => {
    const session = await newSession(t);
    const transaction = {
      operationId: "operation-after-reset",
      transaction: { type: "append_items" as const, items: [userMessage("committed")] },
    };
    await session.applyHistoryTransaction(transaction);
    await session.clearSession();
    await session.applyHistoryTransaction(transaction);
    assert.deepEqual(await session.getItems(), [userMessage("committed")]);
  });

  it("rejects invalid transaction input before mutation", async () => {
    const start = userMessage("start");
    const session = await newSession(t, [start]);
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "   ",
        transaction: { type: "append_items", items: [] },
      }),
      "operationId must be a non-empty string",
    );
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-unknown",
        transaction: { type: "unknown" } as never,
      }),
      "Unsupported session history transaction type",
    );
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-missing-transaction",
        transaction: null as never,
      }),
      "transaction must be an object",
    );
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-invalid-item",
        transaction: { type: "append_items", items: [42] } as never,
      }),
      "items contain invalid or unsupported data",
    );
    assert.deepEqual(await session.getItems(), [start]);
  });

  it("rejects unsupported transaction metadata before mutation", async () => {
    const start = userMessage("start");
    const session = await newSession(t, [start]);
    const withDate = userMessage("unsupported");
    withDate.providerData = { timestamp: new Date(0) };
    const withCycle = userMessage("cyclic");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    withCycle.providerData = cycle;
    const withBigInt = userMessage("bigint");
    withBigInt.providerData = { value: 42n };
    const sparseItems = new Array<AgentInputItem>(1);
    const cases: Array<[string, AgentInputItem[]]> = [
      ["operation-date", [withDate]],
      ["operation-cycle", [withCycle]],
      ["operation-bigint", [withBigInt]],
      ["operation-sparse", sparseItems],
    ];
    for (const [operationId, items] of cases) {
      await rejectsUser(
        session.applyHistoryTransaction({ operationId, transaction: { type: "append_items", items } }),
        "items contain invalid or unsupported data",
      );
    }
    assert.deepEqual(await session.getItems(), [start]);
  });

  it("rejects non-enumerable metadata before mutation", async () => {
    const start = userMessage("start");
    const session = await newSession(t, [start]);
    const item = userMessage("unsupported");
    Object.defineProperty(item, "providerData", { enumerable: false, value: { hidden: true } });
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-non-enumerable",
        transaction: { type: "append_items", items: [item] },
      }),
      "items contain invalid or unsupported data",
    );
    assert.deepEqual(await session.getItems(), [start]);
    const retryItem = userMessage("retry");
    await session.applyHistoryTransaction({
      operationId: "operation-non-enumerable",
      transaction: { type: "append_items", items: [retryItem] },
    });
    assert.deepEqual(await session.getItems(), [start, retryItem]);
  });

  it("rejects unexpected transaction fields before mutation", async () => {
    const start = userMessage("start");
    const session = await newSession(t, [start]);
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-unexpected-append-field",
        transaction: {
          type: "append_items",
          items: [userMessage("unsupported")],
          metadata: { attempt: 1 },
        } as never,
      }),
      "append transaction fields are invalid",
    );
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "operation-unexpected-suffix-field",
        transaction: {
          type: "replace_suffix",
          expectedSuffix: [start],
          replacement: [userMessage("unsupported")],
          metadata: { attempt: 1 },
        } as never,
      }),
      "suffix transaction fields are invalid",
    );
    assert.deepEqual(await session.getItems(), [start]);
    const retryItem = userMessage("retry");
    await session.applyHistoryTransaction({
      operationId: "operation-unexpected-append-field",
      transaction: { type: "append_items", items: [retryItem] },
    });
    assert.deepEqual(await session.getItems(), [start, retryItem]);
  });

  it("does not expose transaction content in snapshot errors", async () => {
    const session = await newSession(t);
    const item = userMessage("unsupported");
    item.providerData = { secret: Symbol("api-key-secret") };
    await assert.rejects(
      session.applyHistoryTransaction({
        operationId: "operation-sensitive-invalid",
        transaction: { type: "append_items", items: [item] },
      }),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal(err.message, "Session history transaction items contain invalid or unsupported data.");
        assert.ok(!err.message.includes("api-key-secret"));
        return true;
      },
    );
    assert.deepEqual(await session.getItems(), []);
  });

  it("copies shared-backed binary transaction data", async () => {
    const session = await newSession(t);
    const sharedBytes = new Uint8Array(new SharedArrayBuffer(2));
    sharedBytes.set([3, 7]);
    const item = userMessage("binary");
    item.providerData = { bytes: sharedBytes };
    await session.applyHistoryTransaction({
      operationId: "operation-shared-binary",
      transaction: { type: "append_items", items: [item] },
    });
    sharedBytes[0] = 9;
    const retryItem = userMessage("binary");
    retryItem.providerData = { bytes: new Uint8Array([3, 7]) };
    await session.applyHistoryTransaction({
      operationId: "operation-shared-binary",
      transaction: { type: "append_items", items: [retryItem] },
    });
    const [stored] = await session.getItems();
    const bytes = stored?.providerData?.bytes as Uint8Array | undefined;
    assert.equal(bytes?.[0], 3);
    assert.deepEqual(bytes, new Uint8Array([3, 7]));
  });

  it("canonicalizes ordinary object prototypes for retries and suffixes", async () => {
    const session = await newSession(t);
    const appended = userMessage("canonical");
    appended.providerData = Object.assign(Object.create(null), { source: "provider" });
    await session.applyHistoryTransaction({
      operationId: "operation-canonical-append",
      transaction: { type: "append_items", items: [appended] },
    });
    const [roundTripped] = await session.getItems();
    assert.ok(roundTripped);
    await session.applyHistoryTransaction({
      operationId: "operation-canonical-append",
      transaction: { type: "append_items", items: [roundTripped] },
    });
    await session.applyHistoryTransaction({
      operationId: "operation-canonical-replace",
      transaction: {
        type: "replace_suffix",
        expectedSuffix: [appended],
        replacement: [userMessage("replaced")],
      },
    });
    assert.deepEqual(await session.getItems(), [userMessage("replaced")]);
  });

  it("rejects unsupported cloned values without recording the operation", async () => {
    const typedArrayItem = userMessage("unsupported-typed-array");
    typedArrayItem.providerData = { values: new Uint16Array([300]) };
    const proxiedItems = new Proxy([userMessage("proxied")], {});
    const session = await newSession(t);
    for (const items of [[typedArrayItem], proxiedItems]) {
      await rejectsUser(
        session.applyHistoryTransaction({
          operationId: "operation-rejected-clone",
          transaction: { type: "append_items", items },
        }),
        "items contain invalid or unsupported data",
      );
    }
    await session.applyHistoryTransaction({
      operationId: "operation-rejected-clone",
      transaction: { type: "append_items", items: [userMessage("accepted-after-rejections")] },
    });
    assert.deepEqual(await session.getItems(), [userMessage("accepted-after-rejections")]);
  });

  it("reads the transaction envelope once and redacts accessor errors", async () => {
    const session = await newSession(t);
    let operationIdReads = 0;
    const args = {
      transaction: { type: "append_items" as const, items: [userMessage("once")] },
    } as SessionHistoryTransactionArgs;
    Object.defineProperty(args, "operationId", {
      enumerable: true,
      get: () => {
        operationIdReads++;
        return operationIdReads === 1 ? "operation-read-once" : "changed";
      },
    });
    await session.applyHistoryTransaction(args);
    assert.equal(operationIdReads, 1);
    operationIdReads = 0;
    await session.applyHistoryTransaction(args);
    assert.equal(operationIdReads, 1);
    assert.deepEqual(await session.getItems(), [userMessage("once")]);

    const throwingArgs = {} as SessionHistoryTransactionArgs;
    Object.defineProperty(throwingArgs, "operationId", {
      get: () => {
        throw new Error("api-key-secret");
      },
    });
    await rejectsUser(
      session.applyHistoryTransaction(throwingArgs),
      "Session history transaction arguments are invalid.",
    );
    await assert.rejects(session.applyHistoryTransaction(throwingArgs), (err: unknown) => {
      assert.ok(err instanceof Error && !err.message.includes("api-key-secret"));
      return true;
    });
  });
});

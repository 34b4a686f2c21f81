/**
 * `ConvmemSession` beyond what MemorySession's own tests cover, on every selected target: every
 * item kind round-trips, JSON normalization, `getItems` limits, `replaceHistoryWithCompaction`,
 * mutations, deep-equal suffixes, operation ids, `clearSession`'s reach, hostile session ids,
 * TTL, options.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { AgentInputItem } from "@openai/agents-core";
import { protocol } from "@openai/agents-core";
import { SerializationError, ValidationError, WrongTypeError } from "../../src/index.js";
import { ConvmemSession } from "../../src/openai-agents/index.js";
import { bad, forEachTarget, freshId, rejectsWith, sleep, throwsWith } from "../helpers/targets.js";
import { newSession, rejectsUser, userMessage } from "./helpers.js";
import { EVERY_KIND } from "./items.js";

const call = (callId: string, args: string): AgentInputItem => ({
  type: "function_call",
  callId,
  name: "lookup",
  status: "completed",
  arguments: args,
});

forEachTarget((t) => {
  it("every item kind round-trips deep-equal: providerData, unicode, data URLs, bytes, lookalikes", async () => {
    for (const item of EVERY_KIND)
      assert.ok(protocol.ModelItem.safeParse(item).success, JSON.stringify(item));
    const session = await newSession(t);
    await session.addItems(EVERY_KIND);
    assert.deepEqual(await session.getItems(), EVERY_KIND);
    assert.deepEqual(await session.getItems(3), EVERY_KIND.slice(-3));
    const bytes = ((await session.getItems())[1]?.providerData as { bytes: unknown } | undefined)?.bytes;
    assert.ok(bytes instanceof Uint8Array);
    // The same through a transaction and a compaction replace.
    const other = await newSession(t);
    await other.applyHistoryTransaction({
      operationId: "all",
      transaction: { type: "append_items", items: EVERY_KIND },
    });
    assert.deepEqual(await other.getItems(), EVERY_KIND);
    await other.replaceHistoryWithCompaction(EVERY_KIND.slice(-2));
    assert.deepEqual(await other.getItems(), EVERY_KIND.slice(-2));
  });

  it("undefined properties are dropped, not a SerializationError; what JSON cannot hold is refused", async () => {
    const session = await newSession(t);
    const item = {
      type: "function_call",
      callId: "c",
      name: "n",
      arguments: "{}",
      id: undefined,
      providerData: { a: undefined, nested: [{ b: undefined, c: 1 }] },
    } as unknown as AgentInputItem;
    await session.addItems([item]);
    const [stored] = await session.getItems();
    assert.deepEqual(stored, {
      type: "function_call",
      callId: "c",
      name: "n",
      arguments: "{}",
      providerData: { nested: [{ c: 1 }] },
    });
    assert.ok(stored !== undefined && !("id" in stored));
    const dated = { ...userMessage("d"), providerData: { at: new Date(0) } };
    await rejectsWith(
      session.addItems([userMessage("ok"), dated]),
      SerializationError,
      "$[1].providerData.at",
    );
    assert.equal((await session.getItems()).length, 1, "nothing of a refused addItems is written");
  });

  it("getItems(limit): the newest in order; <= 0 is []; NaN and Infinity read all; a fraction rounds up", async () => {
    const session = await newSession(t);
    assert.deepEqual(await session.getItems(), []);
    assert.deepEqual(await session.getItems(5), []);
    const items = Array.from({ length: 7 }, (_, i) => userMessage(`m${i}`));
    await session.addItems(items);
    assert.deepEqual(await session.getItems(1), items.slice(-1));
    assert.deepEqual(await session.getItems(3), items.slice(-3));
    assert.deepEqual(await session.getItems(7), items);
    assert.deepEqual(await session.getItems(100), items);
    assert.deepEqual(await session.getItems(0), []);
    assert.deepEqual(await session.getItems(-2), []);
    assert.deepEqual(await session.getItems(2.5), items.slice(-3));
    assert.deepEqual(await session.getItems(Number.NaN), items);
    assert.deepEqual(await session.getItems(Number.POSITIVE_INFINITY), items);
    assert.deepEqual(await session.getItems(2 ** 53), items);
    await rejectsWith(session.getItems(bad("3")), ValidationError, "limit");
  });

  it("popItem takes the newest; addItems([]) writes nothing; a non-list field is a WrongTypeError", async () => {
    const session = await newSession(t, [userMessage("a"), userMessage("b")]);
    assert.deepEqual(await session.popItem(), userMessage("b"));
    assert.deepEqual(await session.popItem(), userMessage("a"));
    assert.equal(await session.popItem(), undefined);
    const empty = await newSession(t);
    await empty.addItems([]);
    assert.deepEqual(await t.newManager().getMemory(empty.sessionId).keys(), []);
    const memory = t.newManager().getMemory(session.sessionId);
    await memory.set("agent_items", "not a list");
    await rejectsWith(session.popItem(), WrongTypeError);
    await rejectsWith(session.getItems(), WrongTypeError);
    await rejectsWith(session.addItems([userMessage("x")]), WrongTypeError);
    assert.equal(await memory.get("agent_items"), "not a list");
  });

  it("replaceHistoryWithCompaction replaces the history in one step and keeps operation ids", async () => {
    const session = await newSession(t);
    const tx = {
      operationId: "op-1",
      transaction: { type: "append_items" as const, items: [userMessage("a")] },
    };
    await session.applyHistoryTransaction(tx);
    await session.addItems([userMessage("b"), userMessage("c")]);
    const compacted: AgentInputItem[] = [{ type: "compaction", encrypted_content: "sum" }, userMessage("c")];
    await session.replaceHistoryWithCompaction(compacted);
    assert.deepEqual(await session.getItems(), compacted);
    await session.applyHistoryTransaction(tx); // a replay: still recorded
    assert.deepEqual(await session.getItems(), compacted);
    await session.replaceHistoryWithCompaction([]);
    assert.deepEqual(await session.getItems(), []);
  });

  it("applyHistoryMutations: no match or no mutations changes nothing; a later item stays after the change", async () => {
    const items = [
      userMessage("a"),
      call("c1", "{}"),
      userMessage("b"),
      call("c1", '{"dup":1}'),
      userMessage("z"),
    ];
    const session = await newSession(t, items);
    await session.applyHistoryMutations({ mutations: [] });
    await session.applyHistoryMutations({
      mutations: [
        { type: "replace_function_call", callId: "nope", replacement: call("nope", "{}") as never },
      ],
    });
    assert.deepEqual(await session.getItems(), items);
    const replacement = { ...call("c1", '{"ok":true}'), providerData: undefined } as never;
    await session.applyHistoryMutations({
      mutations: [{ type: "replace_function_call", callId: "c1", replacement }],
    });
    assert.deepEqual(await session.getItems(), [
      userMessage("a"),
      call("c1", '{"ok":true}'),
      userMessage("b"),
      userMessage("z"),
    ]);
    await rejectsWith(session.applyHistoryMutations(bad({})), ValidationError);
  });

  it("replace_suffix matches deep-equal: key order, undefined properties and bytes as the SDK compares them", async () => {
    const stored = {
      role: "user",
      content: "x",
      providerData: { a: 1, b: new Uint8Array([1, 2]) },
    } as AgentInputItem;
    const session = await newSession(t, [userMessage("start"), stored]);
    // Bytes equal only bytes: the same numbers in an array are another value.
    const asArray = { role: "user", content: "x", providerData: { a: 1, b: [1, 2] } } as AgentInputItem;
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "as-array",
        transaction: { type: "replace_suffix", expectedSuffix: [asArray], replacement: [] },
      }),
      "suffix no longer matches",
    );
    const reordered = {
      providerData: { b: new Uint8Array([1, 2]), a: 1, gone: undefined },
      content: "x",
      role: "user",
    };
    await session.applyHistoryTransaction({
      operationId: "reordered",
      transaction: {
        type: "replace_suffix",
        expectedSuffix: [reordered as AgentInputItem],
        replacement: [userMessage("new")],
      },
    });
    assert.deepEqual(await session.getItems(), [userMessage("start"), userMessage("new")]);
    // Longer than the history: no match.
    await rejectsUser(
      session.applyHistoryTransaction({
        operationId: "longer",
        transaction: {
          type: "replace_suffix",
          expectedSuffix: [userMessage("before"), userMessage("start"), userMessage("new")],
          replacement: [],
        },
      }),
      "suffix no longer matches",
    );
    // An empty expected suffix appends; an empty replacement removes the suffix.
    await session.applyHistoryTransaction({
      operationId: "append-by-suffix",
      transaction: { type: "replace_suffix", expectedSuffix: [], replacement: [userMessage("tail")] },
    });
    await session.applyHistoryTransaction({
      operationId: "drop",
      transaction: {
        type: "replace_suffix",
        expectedSuffix: [userMessage("new"), userMessage("tail")],
        replacement: [],
      },
    });
    assert.deepEqual(await session.getItems(), [userMessage("start")]);
  });

  it("operation ids: any string, long or starting with sha256:, each its own", async () => {
    const session = await newSession(t);
    const ids = ["x".repeat(600), `sha256:${"0".repeat(64)}`, "a:b:{c}*?[d]", "🚀"];
    for (const [i, operationId] of ids.entries()) {
      await session.applyHistoryTransaction({
        operationId,
        transaction: { type: "append_items", items: [userMessage(`m${i}`)] },
      });
    }
    for (const [i, operationId] of ids.entries()) {
      await session.applyHistoryTransaction({
        operationId,
        transaction: { type: "append_items", items: [userMessage(`m${i}`)] },
      });
    }
    assert.deepEqual(
      await session.getItems(),
      ids.map((_, i) => userMessage(`m${i}`)),
    );
  });

  it("clearSession removes the items and operation ids, nothing else of the conversation", async () => {
    const session = await newSession(t, [userMessage("a")]);
    await session.applyHistoryTransaction({
      operationId: "op",
      transaction: { type: "append_items", items: [] },
    });
    const memory = t.newManager().getMemory(session.sessionId);
    const other = new ConvmemSession({
      sessionId: session.sessionId,
      manager: t.newManager(),
      field: "other_items",
    });
    await other.addItems([userMessage("other")]);
    await memory.set("prefs", { lang: "en" });
    await memory.addMessage("user", "hello");
    await memory.mapSet("map", "k", 1);
    assert.deepEqual((await memory.keys()).sort(), [
      "agent_items",
      "agent_items:ops",
      "map",
      "messages",
      "other_items",
      "prefs",
    ]);
    await session.clearSession();
    assert.deepEqual((await memory.keys()).sort(), ["map", "messages", "other_items", "prefs"]);
    assert.deepEqual(await other.getItems(), [userMessage("other")]);
    assert.equal((await memory.getMessages()).length, 1);
    await session.clearSession(); // nothing there: fine
  });

  it("hostile session ids never meet: each its own conversation, listed in stats", async () => {
    const manager = t.newManager({ keyPrefix: freshId("hostile") });
    const suffix = freshId("");
    const ids = ["a}:x", "a", "*", "?", "[ab]", "a%7Dx", "{b}", "sp ace", "🚀", "x:agent_items"].map(
      (id) => id + suffix,
    );
    for (const id of ids) await new ConvmemSession({ sessionId: id, manager }).addItems([userMessage(id)]);
    for (const id of ids) {
      const session = new ConvmemSession({ sessionId: id, manager });
      assert.equal(await session.getSessionId(), id);
      assert.deepEqual(await session.getItems(), [userMessage(id)]);
    }
    await new ConvmemSession({ sessionId: ids[0] as string, manager }).clearSession();
    assert.deepEqual(await new ConvmemSession({ sessionId: ids[1] as string, manager }).getItems(), [
      userMessage(ids[1] as string),
    ]);
    const stats = await manager.getStats();
    assert.deepEqual(stats.conversations.map((c) => c.conversationId).sort(), ids.slice(1).sort());
  });

  it("the session expires as a unit with the conversation's other fields", async () => {
    const manager = t.newManager({ defaultTtl: 1 });
    const session = new ConvmemSession({ sessionId: freshId("ttl"), manager });
    const memory = manager.getMemory(session.sessionId);
    await memory.set("prefs", 1);
    await session.applyHistoryTransaction({
      operationId: "op",
      transaction: { type: "append_items", items: [userMessage("a")] },
    });
    assert.equal(await memory.getTtl(), 1);
    await sleep(2100);
    assert.deepEqual(await memory.keys(), []);
    assert.deepEqual(await session.getItems(), []);
    // Gone with the conversation: the operation id may be used again.
    await session.applyHistoryTransaction({
      operationId: "op",
      transaction: { type: "append_items", items: [userMessage("b")] },
    });
    assert.deepEqual(await session.getItems(), [userMessage("b")]);
  });

  it("options are checked before any I/O", () => {
    const manager = t.newManager();
    throwsWith(() => new ConvmemSession(bad(undefined)), ValidationError);
    throwsWith(() => new ConvmemSession(bad({ sessionId: "", manager })), ValidationError, "conversation id");
    throwsWith(() => new ConvmemSession(bad({ sessionId: 5, manager })), ValidationError);
    throwsWith(
      () => new ConvmemSession(bad({ sessionId: "s", manager, feld: "x" })),
      ValidationError,
      'did you mean "field"',
    );
    throwsWith(
      () => new ConvmemSession(bad({ sessionId: "s", manager: {} })),
      ValidationError,
      "MemoryManager",
    );
    throwsWith(
      () => new ConvmemSession(bad({ sessionId: "s", manager, field: "" })),
      ValidationError,
      "field",
    );
    const session = new ConvmemSession({ sessionId: "s", manager, field: "items" });
    assert.equal(session.field, "items");
    assert.equal(session.operationsField, "items:ops");
  });
});

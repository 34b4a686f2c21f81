/**
 * `manager.listConversations({ cursor, limit })`, the paged registry read the inspector's
 * conversation list is built on, on every selected target: pages cover every live
 * conversation exactly once, agree with `conversations()`, end with an undefined cursor,
 * and bad arguments fail before any I/O.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ClosedError, type ConversationInfo, type OperationEvent, ValidationError } from "../../src/index.js";
import { bad, forEachTarget, freshId, rejectsWith } from "../helpers/targets.js";

const byId = (a: ConversationInfo, b: ConversationInfo) =>
  a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0;

forEachTarget((t) => {
  it("pages through every live conversation once, as conversations() reports them", async () => {
    const manager = t.newManager({ keyPrefix: freshId("lc") });
    const ids = Array.from({ length: 25 }, (_, i) => `${freshId()}:${i}`);
    await Promise.all(ids.map((id, i) => manager.getMemory(id).set("n", "x".repeat(i))));
    const seen: ConversationInfo[] = [];
    let pages = 0;
    let page = await manager.listConversations({ limit: 4 });
    for (;;) {
      pages++;
      seen.push(...page.conversations);
      if (page.cursor === undefined) break;
      assert.ok(Number.isSafeInteger(page.cursor) && page.cursor > 0, `cursor ${page.cursor}`);
      page = await manager.listConversations({ cursor: page.cursor, limit: 4 });
    }
    assert.deepEqual(seen.map((c) => c.conversationId).sort(), [...ids].sort());
    const streamed: ConversationInfo[] = [];
    for await (const c of manager.conversations()) streamed.push(c);
    assert.deepEqual([...seen].sort(byId), streamed.sort(byId));
    for (const c of seen) {
      const i = Number(c.conversationId.split(":").at(-1));
      assert.equal(c.totalFields, 1);
      assert.equal(c.totalSizeBytes, i + 2, `the encoded JSON string of length ${i}`);
    }
    assert.ok(pages >= 2, `a limit of 4 over 25 conversations takes more than one page (${pages})`);
  });

  it("an empty namespace is one empty, complete page", async () => {
    const manager = t.newManager({ keyPrefix: freshId("lc-empty") });
    assert.deepEqual(await manager.listConversations(), { conversations: [], cursor: undefined });
  });

  it("leaves out deleted conversations", async () => {
    const manager = t.newManager({ keyPrefix: freshId("lc-del") });
    const [kept, gone] = [freshId(), freshId()];
    await manager.getMemory(kept).set("k", 1);
    await manager.getMemory(gone).set("k", 1);
    await manager.cleanupConversation(gone);
    const all: string[] = [];
    let cursor: number | undefined = 0;
    while (cursor !== undefined) {
      const page = await manager.listConversations({ cursor, limit: 1000 });
      all.push(...page.conversations.map((c) => c.conversationId));
      cursor = page.cursor;
    }
    assert.deepEqual(all, [kept]);
  });

  it("the docs/API.md example runs as written", async () => {
    const manager = t.newManager({ keyPrefix: freshId("lc-doc") });
    await manager.getMemory("conv_123").addMessage("user", "hi");
    const lines: string[] = [];
    const console = { log: (...args: unknown[]) => lines.push(args.join(" ")) };
    // --- as in docs/API.md ---
    let page = await manager.listConversations({ limit: 100 });
    for (;;) {
      for (const c of page.conversations) console.log(c.conversationId, c.lastActivity);
      if (page.cursor === undefined) break;
      page = await manager.listConversations({ cursor: page.cursor, limit: 100 });
    }
    // ---
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /^conv_123 \d{13}$/);
  });

  it("reports one operation event per page", async () => {
    const manager = t.newManager({ keyPrefix: freshId("lc-ev") });
    const events: OperationEvent[] = [];
    manager.on("operation", (e) => events.push(e));
    await manager.listConversations({ limit: 10 });
    assert.deepEqual(
      events.map((e) => [e.operation, e.conversationId, e.outcome]),
      [["listConversations", undefined, "ok"]],
    );
  });

  it("rejects a bad cursor, limit or option before any I/O, and rejects after close()", async () => {
    const manager = t.newManager({ keyPrefix: freshId("lc-bad") });
    for (const cursor of [-1, 1.5, Number.NaN, "0", null]) {
      await rejectsWith(manager.listConversations(bad({ cursor })), ValidationError, "cursor");
    }
    for (const limit of [0, -3, 2.5, "10"]) {
      await rejectsWith(manager.listConversations(bad({ limit })), ValidationError, "limit");
    }
    await rejectsWith(manager.listConversations(bad({ limt: 3 })), ValidationError, 'did you mean "limit"?');
    await rejectsWith(manager.listConversations(bad(5)), ValidationError);
    await manager.close();
    await rejectsWith(manager.listConversations(), ClosedError);
  });
});

/**
 * History beyond appending: paging back with `before`, token windows (`maxTokens`, default and
 * custom counters), `startOn`, `updateMessage`, `deleteMessage`, and `compactMessages` (exact
 * under writes made while `summarize` runs, retried or `ConflictError` on a conflicting edit,
 * compacted ids remembered).
 */
import assert from "node:assert/strict";
import {
  ConflictError,
  type ConversationMemory,
  estimateTokens,
  type Message,
  MessageNotFoundError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "../index.js";
import type { ContractContext } from "./contract.js";
import { bad, freshId, rejectsWith } from "./helpers.js";

type Memory = ConversationMemory<Record<string, unknown>, string>;

/** Adds messages `m<from>` … `m<to - 1>` (issued together: call order keeps them in order). */
async function fill(memory: Memory, from: number, to: number, content = (i: number) => `message ${i}`) {
  const adds: Array<Promise<Message<string>>> = [];
  for (let i = from; i < to; i++) {
    adds.push(
      memory.addMessage(i % 3 === 2 ? "tool" : i % 2 ? "assistant" : "user", content(i), {}, { id: `m${i}` }),
    );
  }
  return Promise.all(adds);
}

const ids = (messages: ReadonlyArray<Message<string>>) => messages.map((m) => m.id);

/** The bytes the history's stored messages take, as getMemorySize must report them. */
async function historyBytes(memory: Memory): Promise<number> {
  const all = await memory.getMessages();
  return all.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)), 0);
}

export function historyTests(t: ContractContext): void {
  const { describe, it } = t;
  const open = (): Memory => t.newManager().getMemory<Record<string, unknown>, string>(freshId("history"));

  describe("getMessages({ before })", () => {
    it("pages back through 1,000 messages, every message exactly once, in order", async () => {
      const memory = open();
      await fill(memory, 0, 1000);
      const seen: string[] = [];
      let page = await memory.getMessages({ limit: 37 });
      while (page.length > 0) {
        seen.unshift(...ids(page));
        page = await memory.getMessages({ before: (page[0] as Message<string>).id, limit: 37 });
      }
      assert.equal(seen.length, 1000);
      assert.deepEqual(
        seen,
        Array.from({ length: 1000 }, (_, i) => `m${i}`),
      );
    });

    it("returns the messages older than the id, newest `limit`, oldest first; all without limit", async () => {
      const memory = open();
      await fill(memory, 0, 10);
      assert.deepEqual(ids(await memory.getMessages({ before: "m6", limit: 3 })), ["m3", "m4", "m5"]);
      assert.deepEqual(ids(await memory.getMessages({ before: "m2" })), ["m0", "m1"]);
      assert.deepEqual(await memory.getMessages({ before: "m0" }), []);
      assert.deepEqual(await memory.getMessages({ before: "m6", limit: 0 }), []);
    });

    it("an id the history does not hold -> MessageNotFoundError", async () => {
      const memory = open();
      await rejectsWith(memory.getMessages({ before: "nope" }), MessageNotFoundError);
      await fill(memory, 0, 3);
      await rejectsWith(memory.getMessages({ before: "m9", limit: 2 }), MessageNotFoundError, '"m9"');
      await memory.getMessages({ before: "m9" }).then(
        () => assert.fail("must reject"),
        (err: unknown) => assert.equal((err as MessageNotFoundError).messageId, "m9"),
      );
      await memory.deleteMessage("m1");
      await rejectsWith(memory.getMessages({ before: "m1" }), MessageNotFoundError);
    });
  });

  describe("getMessages({ maxTokens })", () => {
    it("default counter: the newest messages that fit, never over the budget, and no more could", async () => {
      const memory = open();
      await fill(memory, 0, 60, (i) => "x".repeat((i * 37) % 200));
      const all = await memory.getMessages();
      for (const budget of [0, 1, 50, 123, 400, 1000, 5000, 1_000_000]) {
        const window = await memory.getMessages({ maxTokens: budget });
        const used = window.reduce((n, m) => n + estimateTokens(m), 0);
        assert.ok(used <= budget, `budget ${budget}: used ${used}`);
        assert.deepEqual(window, all.slice(all.length - window.length), "the newest, contiguous");
        const next = all[all.length - window.length - 1];
        if (next) assert.ok(used + estimateTokens(next) > budget, `budget ${budget}: one more would fit`);
      }
    });

    it("[] when the newest message alone does not fit", async () => {
      const memory = open();
      await memory.addMessage("user", "short");
      const big = await memory.addMessage("user", "y".repeat(4000));
      assert.deepEqual(await memory.getMessages({ maxTokens: estimateTokens(big) - 1 }), []);
      assert.deepEqual(await memory.getMessages({ maxTokens: estimateTokens(big) }), [big]);
    });

    it("combines with limit and before", async () => {
      const memory = open();
      await fill(memory, 0, 20);
      const all = await memory.getMessages();
      const budget = estimateTokens(all[8] as Message<string>) + estimateTokens(all[9] as Message<string>);
      assert.deepEqual(ids(await memory.getMessages({ maxTokens: 1_000_000, limit: 3 })), [
        "m17",
        "m18",
        "m19",
      ]);
      const window = await memory.getMessages({ before: "m10", maxTokens: budget });
      assert.deepEqual(ids(window), ["m8", "m9"]);
    });

    it("custom countTokens: never over the budget, contiguous, within bounded reads", async () => {
      const memory = open();
      await fill(memory, 0, 1000);
      let calls = 0;
      const countTokens = (m: Message<string>) => {
        calls++;
        return Number(m.id.slice(1)) % 5; // 0..4
      };
      const all = await memory.getMessages();
      for (const budget of [0, 3, 100, 600, 5000]) {
        calls = 0;
        const window = await memory.getMessages({ maxTokens: budget, countTokens });
        const used = window.reduce((n, m) => n + (Number(m.id.slice(1)) % 5), 0);
        assert.ok(used <= budget, `budget ${budget}: used ${used}`);
        assert.deepEqual(window, all.slice(all.length - window.length), "the newest, contiguous");
        const next = all[all.length - window.length - 1];
        if (next) assert.ok(used + (Number(next.id.slice(1)) % 5) > budget, "maximal");
        // Reads of 64, 128, 256, … messages, each counted only as far as the budget goes: the
        // earlier, fully counted reads add up to less than twice the window.
        assert.ok(
          calls <= 3 * (window.length + 1) + 64,
          `budget ${budget}: ${calls} counts for ${window.length}`,
        );
      }
    });

    it("custom countTokens with limit and before; a bad count -> ValidationError", async () => {
      const memory = open();
      await fill(memory, 0, 200);
      const one = () => 1;
      assert.deepEqual(ids(await memory.getMessages({ maxTokens: 1000, countTokens: one, limit: 2 })), [
        "m198",
        "m199",
      ]);
      assert.deepEqual(ids(await memory.getMessages({ before: "m100", maxTokens: 2, countTokens: one })), [
        "m98",
        "m99",
      ]);
      await rejectsWith(memory.getMessages({ maxTokens: 5, countTokens: () => Number.NaN }), ValidationError);
      await rejectsWith(memory.getMessages({ maxTokens: 5, countTokens: () => -1 }), ValidationError);
      await rejectsWith(memory.getMessages({ maxTokens: 5, countTokens: bad(() => "1") }), ValidationError);
    });
  });

  describe("getMessages({ startOn })", () => {
    it("starts at the window's first message of that role; [] when it holds none", async () => {
      const memory = open();
      await memory.addMessage("user", "q1");
      await memory.addMessage("assistant", "calling a tool");
      await memory.addMessage("tool", "result");
      await memory.addMessage("assistant", "a1");
      await memory.addMessage("user", "q2");
      await memory.addMessage("assistant", "a2");
      const roles = (ms: ReadonlyArray<Message<string>>) => ms.map((m) => m.role);
      assert.deepEqual(roles(await memory.getMessages({ limit: 4, startOn: "user" })), ["user", "assistant"]);
      assert.deepEqual(roles(await memory.getMessages({ limit: 5, startOn: "assistant" })), [
        "assistant",
        "tool",
        "assistant",
        "user",
        "assistant",
      ]);
      assert.deepEqual(await memory.getMessages({ limit: 1, startOn: "user" }), []);
      const notTool = (m: Message<string>) => m.role !== "tool";
      assert.deepEqual(roles(await memory.getMessages({ limit: 4, startOn: notTool })), [
        "assistant",
        "user",
        "assistant",
      ]);
    });

    it("with maxTokens: never starts on another role when one of that role fits", async () => {
      const memory = open();
      await fill(memory, 0, 50);
      const all = await memory.getMessages();
      for (let budget = 0; budget < 400; budget += 7) {
        const plain = await memory.getMessages({ maxTokens: budget });
        const window = await memory.getMessages({ maxTokens: budget, startOn: "user" });
        const expected = plain.slice(
          Math.max(
            0,
            plain.findIndex((m) => m.role === "user"),
          ),
        );
        if (!plain.some((m) => m.role === "user")) assert.deepEqual(window, []);
        else {
          assert.equal(window[0]?.role, "user");
          assert.deepEqual(window, expected);
        }
        assert.ok(all.length >= window.length);
      }
    });

    it("bad options -> ValidationError before any I/O", async () => {
      const memory = open();
      await rejectsWith(memory.getMessages({ startOn: bad(3) }), ValidationError);
      await rejectsWith(memory.getMessages({ startOn: "" }), ValidationError);
      await rejectsWith(memory.getMessages({ countTokens: () => 1 }), ValidationError);
      await rejectsWith(memory.getMessages({ maxTokens: -1 }), ValidationError);
      await rejectsWith(memory.getMessages({ maxTokens: 1.5 }), ValidationError);
      await rejectsWith(memory.getMessages({ before: "" }), ValidationError);
      await rejectsWith(memory.getMessages({ before: bad(7) }), ValidationError);
      await rejectsWith(memory.getMessages(bad({ maxToken: 3 })), ValidationError);
    });
  });

  describe("updateMessage", () => {
    it("changes content and/or metadata in place; id, role and timestamp stay", async () => {
      const memory = open();
      const [m0, m1, m2] = (await fill(memory, 0, 3)) as [Message<string>, Message<string>, Message<string>];
      const u1 = await memory.updateMessage("m1", { content: 'edited \u{1F600} "q" \\ \n' });
      assert.deepEqual(u1, { ...m1, content: 'edited \u{1F600} "q" \\ \n' });
      const u2 = await memory.updateMessage("m1", { metadata: { tag: ["x", { y: null }] } });
      assert.deepEqual(u2, { ...u1, metadata: { tag: ["x", { y: null }] } });
      const u3 = await memory.updateMessage("m0", { content: "", metadata: {} });
      assert.deepEqual(u3, { ...m0, content: "", metadata: {} });
      assert.deepEqual(await memory.getMessages(), [u3, u2, m2]);
      const size = await memory.getMemorySize();
      assert.equal(size.fields.messages, await historyBytes(memory));
    });

    it("a redelivery of an updated message's id adds nothing and returns the updated message", async () => {
      const memory = open();
      await fill(memory, 0, 2);
      const updated = await memory.updateMessage("m0", { content: "new" });
      assert.deepEqual(await memory.addMessage("user", "message 0", {}, { id: "m0" }), updated);
      assert.equal(await memory.getMessageCount(), 2);
    });

    it("unknown id -> MessageNotFoundError; bad changes -> ValidationError; nothing changes", async () => {
      const memory = open();
      await rejectsWith(memory.updateMessage("m0", { content: "x" }), MessageNotFoundError);
      await fill(memory, 0, 2);
      const before = await memory.getMessages();
      await rejectsWith(memory.updateMessage("zz", { content: "x" }), MessageNotFoundError);
      await rejectsWith(memory.updateMessage("m0", {}), ValidationError);
      await rejectsWith(memory.updateMessage("m0", bad({ role: "system" })), ValidationError);
      await rejectsWith(memory.updateMessage("m0", bad({ content: 5 })), ValidationError);
      await rejectsWith(memory.updateMessage("m0", bad({ metadata: [] })), ValidationError);
      await rejectsWith(memory.updateMessage(bad(""), { content: "x" }), ValidationError);
      await rejectsWith(memory.updateMessage("m0", bad(null)), ValidationError);
      assert.deepEqual(await memory.getMessages(), before);
    });

    it("an update over maxValueBytes -> ValueTooLargeError, nothing changes", async () => {
      const memory = t.newManager({ maxValueBytes: 500 }).getMemory(freshId("history"));
      await memory.addMessage("user", "x".repeat(300), {}, { id: "a" });
      const before = await memory.getMessages();
      await rejectsWith(
        memory.updateMessage("a", { metadata: { pad: "y".repeat(250) } }),
        ValueTooLargeError,
      );
      await rejectsWith(memory.updateMessage("a", { content: "z".repeat(600) }), ValueTooLargeError);
      assert.deepEqual(await memory.getMessages(), before);
    });

    it("on a non-list `messages` -> WrongTypeError", async () => {
      const memory = open();
      await memory.set("messages", "not a list");
      await rejectsWith(memory.updateMessage("m0", { content: "x" }), WrongTypeError);
      await rejectsWith(memory.deleteMessage("m0"), WrongTypeError);
      await rejectsWith(memory.getMessages({ before: "m0" }), WrongTypeError);
      assert.equal(await memory.get("messages"), "not a list");
    });
  });

  describe("deleteMessage", () => {
    it("removes the message (first, middle, last); false when absent; its id may be added again", async () => {
      const memory = open();
      await fill(memory, 0, 5);
      assert.equal(await memory.deleteMessage("m2"), true);
      assert.equal(await memory.deleteMessage("m2"), false);
      assert.equal(await memory.deleteMessage("m0"), true);
      assert.equal(await memory.deleteMessage("m4"), true);
      assert.equal(await memory.deleteMessage("never"), false);
      assert.deepEqual(ids(await memory.getMessages()), ["m1", "m3"]);
      assert.equal(await memory.getMessageCount(), 2);
      const again = await memory.addMessage("user", "back", {}, { id: "m2" });
      assert.equal(again.content, "back");
      assert.deepEqual(ids(await memory.getMessages()), ["m1", "m3", "m2"]);
      assert.equal((await memory.getMemorySize()).fields.messages, await historyBytes(memory));
      await rejectsWith(memory.deleteMessage(bad(1)), ValidationError);
    });

    it("deleting the last message leaves an empty history", async () => {
      const memory = open();
      await memory.addMessage("user", "only", {}, { id: "x" });
      assert.equal(await memory.deleteMessage("x"), true);
      assert.deepEqual(await memory.getMessages(), []);
      assert.equal(await memory.getMessageCount(), 0);
      assert.equal(await memory.has("messages"), true);
    });
  });

  describe("compactMessages", () => {
    const summarize = (messages: Array<Message<string>>) => ({
      content: `summary of ${messages.map((m) => m.id).join(",")}`,
    });

    it("replaces the older messages with one summary, first; keeps the newest keepLast", async () => {
      const memory = open();
      await fill(memory, 0, 8);
      let seen: string[] = [];
      const result = await memory.compactMessages({
        keepLast: 3,
        summarize: async (older) => {
          seen = ids(older);
          return { content: "the gist", metadata: { model: "test" } };
        },
      });
      assert.deepEqual(seen, ["m0", "m1", "m2", "m3", "m4"]);
      assert.equal(result.compacted, 5);
      assert.equal(result.kept, 3);
      const summary = result.summary as Message<string>;
      assert.equal(summary.role, "system");
      assert.equal(summary.content, "the gist");
      assert.deepEqual(summary.metadata, { model: "test", summary: { count: 5, fromId: "m0", toId: "m4" } });
      const all = await memory.getMessages();
      assert.deepEqual(all[0], summary);
      assert.deepEqual(ids(all.slice(1)), ["m5", "m6", "m7"]);
      assert.equal(await memory.getMessageCount(), 4);
      assert.equal((await memory.getMemorySize()).fields.messages, await historyBytes(memory));
      assert.deepEqual(await memory.getMessages({ before: summary.id }), [], "paging back stops at it");
    });

    it("a redelivered id of a compacted message adds nothing and returns the summary", async () => {
      const memory = open();
      await fill(memory, 0, 4);
      const { summary } = await memory.compactMessages({ keepLast: 1, summarize });
      for (const id of ["m0", "m1", "m2"]) {
        assert.deepEqual(await memory.addMessage("user", "again", {}, { id }), summary);
      }
      assert.equal(await memory.getMessageCount(), 2);
      assert.deepEqual(await memory.getMessages({ before: "m1" }), [], "nothing older than a compacted id");
      await rejectsWith(memory.updateMessage("m1", { content: "x" }), MessageNotFoundError);
      assert.equal(await memory.deleteMessage("m1"), false);
      // Compacting again folds the old summary in; old ids return the newest summary.
      await fill(memory, 10, 13);
      const second = await memory.compactMessages({ keepLast: 1, summarize });
      assert.equal(second.compacted, 4);
      assert.deepEqual((second.summary as Message<string>).metadata.summary, {
        count: 4,
        fromId: (summary as Message<string>).id,
        toId: "m11",
      });
      assert.deepEqual(await memory.addMessage("user", "again", {}, { id: "m0" }), second.summary);
      assert.deepEqual(await memory.addMessage("user", "again", {}, { id: "m10" }), second.summary);
      // An edit of the summary is what redeliveries return from then on.
      const edited = await memory.updateMessage((second.summary as Message<string>).id, {
        content: "edited",
      });
      assert.deepEqual(await memory.addMessage("user", "again", {}, { id: "m1" }), edited);
      assert.equal(await memory.getMessageCount(), 2);
    });

    it("keeps every message added while summarize runs (this process included)", async () => {
      const memory = open();
      await fill(memory, 0, 6);
      const result = await memory.compactMessages({
        keepLast: 2,
        summarize: async (older) => {
          await fill(memory, 6, 9);
          await memory.deleteMessage("m5"); // a kept one may change
          return summarize(older);
        },
      });
      assert.equal(result.compacted, 4);
      assert.equal(result.kept, 4);
      const all = await memory.getMessages();
      assert.deepEqual(ids(all.slice(1)), ["m4", "m6", "m7", "m8"]);
      assert.equal(all[0]?.content, "summary of m0,m1,m2,m3");
    });

    it("summarizes again when a compacted message changed meanwhile; ConflictError after 3 attempts", async () => {
      const memory = open();
      await fill(memory, 0, 5);
      const contents: string[] = [];
      let attempt = 0;
      const result = await memory.compactMessages({
        keepLast: 2,
        summarize: async (older) => {
          contents.push(older.map((m) => m.content).join("|"));
          if (++attempt === 1) await memory.updateMessage("m1", { content: "changed" });
          return summarize(older);
        },
      });
      assert.equal(attempt, 2);
      assert.deepEqual(contents, ["message 0|message 1|message 2", "message 0|changed|message 2"]);
      assert.equal(result.compacted, 3);

      const other = open();
      await fill(other, 0, 5);
      let n = 0;
      await rejectsWith(
        other.compactMessages({
          keepLast: 1,
          summarize: async (older) => {
            await other.updateMessage("m0", { content: `edit ${++n}` });
            return summarize(older);
          },
        }),
        ConflictError,
      );
      assert.equal(n, 3);
      assert.deepEqual(ids(await other.getMessages()), ["m0", "m1", "m2", "m3", "m4"], "nothing lost");
      assert.equal((await other.getMessages({ limit: 5 }))[0]?.content, "edit 3");
    });

    it("a deleted or trimmed compacted message makes it summarize again, never drop a message", async () => {
      const memory = open();
      await fill(memory, 0, 6);
      let attempt = 0;
      const result = await memory.compactMessages({
        keepLast: 2,
        summarize: async (older) => {
          if (++attempt === 1) await memory.deleteMessage("m0");
          if (attempt === 2) await memory.addMessage("user", "late", {}, { id: "late", maxMessages: 5 }); // trims m1
          return summarize(older);
        },
      });
      assert.equal(attempt, 3);
      assert.equal(result.compacted, 3, "m2, m3, m4");
      assert.deepEqual(ids((await memory.getMessages()).slice(1)), ["m5", "late"]);
    });

    it("nothing older than keepLast: summarize is not called, nothing changes", async () => {
      const memory = open();
      await fill(memory, 0, 3);
      let called = false;
      const spy = () => {
        called = true;
        return { content: "x" };
      };
      assert.deepEqual(await memory.compactMessages({ keepLast: 3, summarize: spy }), {
        compacted: 0,
        kept: 3,
        summary: undefined,
      });
      assert.equal(called, false);
      const empty = open();
      assert.deepEqual(await empty.compactMessages({ keepLast: 0, summarize: spy }), {
        compacted: 0,
        kept: 0,
        summary: undefined,
      });
    });

    it("keepLast 0 compacts everything; a custom role; the summary counts as one for maxMessages", async () => {
      const memory = t
        .newManager({ maxMessages: 3 })
        .getMemory<Record<string, unknown>, string>(freshId("history"));
      await fill(memory, 0, 3);
      const { summary } = await memory.compactMessages({
        keepLast: 0,
        summarize: () => ({ content: "all", role: "assistant" }),
      });
      assert.equal(summary?.role, "assistant");
      assert.deepEqual(await memory.getMessages(), [summary]);
      await fill(memory, 3, 5);
      assert.equal(await memory.getMessageCount(), 3);
      await memory.addMessage("user", "more", {}, { id: "m5" });
      assert.deepEqual(ids(await memory.getMessages()), ["m3", "m4", "m5"], "the summary was the oldest");
    });

    it("summarize throwing or returning a bad summary changes nothing; bad options -> ValidationError", async () => {
      const memory = open();
      await fill(memory, 0, 4);
      const before = await memory.getMessages();
      await assert.rejects(
        memory.compactMessages({
          keepLast: 1,
          summarize: () => {
            throw new Error("LLM down");
          },
        }),
        /LLM down/,
      );
      for (const result of [
        null,
        "text",
        { content: 1 },
        { content: "x", role: "" },
        { content: "x", extra: 1 },
      ]) {
        await rejectsWith(
          memory.compactMessages({ keepLast: 1, summarize: () => bad(result) }),
          ValidationError,
        );
      }
      await rejectsWith(memory.compactMessages(bad({ summarize })), ValidationError);
      await rejectsWith(memory.compactMessages({ keepLast: -1, summarize }), ValidationError);
      await rejectsWith(memory.compactMessages(bad({ keepLast: 1 })), ValidationError);
      await rejectsWith(memory.compactMessages(bad({ keepLast: 1, summarize, extra: 1 })), ValidationError);
      assert.deepEqual(await memory.getMessages(), before);
    });
  });
}

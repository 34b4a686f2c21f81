/**
 * `convmem/ai-sdk` (issue 19) on every target (memory, redis, cluster), with the real AI SDK —
 * ai 6 and ai 7, the same tests — and their mock models: the route's callback list saved and
 * reloaded equal, a second save changing nothing, only new or changed messages sent, a
 * regenerate dropping the old reply, an aborted stream keeping its partial reply and a
 * continuation replacing it in place, concurrent upserts (processes on Redis) losing nothing,
 * and a SIGKILLed streaming worker leaving the partial reply.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UIMessage } from "ai";
import { createChatStore, REVALIDATE_FROM } from "../../src/ai-sdk/index.js";
import { type BatchWrite, type MemoryManager, ValidationError } from "../../src/index.js";
import { fixture, runNode } from "../helpers/node-child.js";
import { forEachTarget, freshId, rejectsWith, type Target } from "../helpers/targets.js";
import { loadSdks, runRoute, textOf, userMessage } from "./sdk.js";

const sdks = await loadSdks();

/** `manager`, recording every batch's writes (what the store sends). */
function spying(manager: MemoryManager): { manager: MemoryManager; writes: BatchWrite[][] } {
  const writes: BatchWrite[][] = [];
  const proxy = new Proxy(manager, {
    get(real, prop) {
      if (prop === "getMemory")
        return (id: string) => {
          const memory = real.getMemory(id);
          return new Proxy(memory, {
            get(m, p) {
              if (p === "batch")
                return (w: BatchWrite[], o: unknown) => {
                  writes.push(structuredClone(w));
                  return (m.batch as (w: BatchWrite[], o: unknown) => unknown).call(m, w, o);
                };
              const v: unknown = Reflect.get(m, p, m);
              return typeof v === "function" ? v.bind(m) : v;
            },
          });
        };
      const v: unknown = Reflect.get(real, prop, real);
      return typeof v === "function" ? v.bind(real) : v;
    },
  });
  return { manager: proxy, writes };
}

const sentValues = (batch: BatchWrite[]): unknown[] =>
  batch.flatMap((w) => (w.op === "splice" ? (w.items ?? []) : w.op === "extend" ? w.values : []));

const many = (n: number, prefix = "m"): UIMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    role: i % 2 === 0 ? "user" : "assistant",
    parts: [{ type: "text", text: `message ${i}` }],
  }));

/** What a fixture process needs to reach the target's Redis. */
function redisOf(t: Target): unknown {
  const url = t.redisUrl as string;
  if (!url.startsWith("redis+cluster://")) return url;
  const hosts = url.slice("redis+cluster://".length).split(",");
  return { cluster: { rootNodes: hosts.map((h) => ({ url: `redis://${h}` })) } };
}

forEachTarget((t) => {
  for (const sdk of sdks) {
    describe(`${sdk.name} (${sdk.onEndName})`, () => {
      it("the callback's list is saved: a reload (also by another store) equals it", async () => {
        const chats = createChatStore({ manager: t.newManager() });
        const chatId = freshId();
        const first = [...(await chats.loadChat(chatId)), userMessage("u1", "hi")];
        assert.deepEqual(first, [userMessage("u1", "hi")]);
        const run1 = await runRoute(sdk, chats, {
          chatId,
          messages: first,
          words: ["Hel", "lo"],
          replyId: "a1",
        });
        assert.equal(run1.isAborted, false);
        assert.deepEqual(await chats.loadChat(chatId), run1.callbackMessages);
        const second = [...(await chats.loadChat(chatId)), userMessage("u2", "more")];
        const run2 = await runRoute(sdk, chats, {
          chatId,
          messages: second,
          words: ["Again"],
          replyId: "a2",
        });
        const other = createChatStore({ manager: t.newManager() });
        const loaded = await other.loadChat(chatId);
        assert.deepEqual(loaded, run2.callbackMessages);
        assert.deepEqual(
          loaded.map((m) => [m.id, textOf(m)]),
          [
            ["u1", "hi"],
            ["a1", "Hello"],
            ["u2", "more"],
            ["a2", "Again"],
          ],
        );
        assert.deepEqual(await other.loadChat(chatId, { limit: 2 }), loaded.slice(2));
        assert.deepEqual(await other.loadChat(chatId, { limit: 0 }), []);
      });

      it("saving the same list twice changes nothing; a new message is the only one sent", async () => {
        const spy = spying(t.newManager());
        const chats = createChatStore({ manager: spy.manager });
        const chatId = freshId();
        const messages = many(20);
        await chats.saveChat({ chatId, messages });
        const memory = t.newManager().getMemory(chatId);
        const rev = await memory.get("ui_messages:rev");
        spy.writes.length = 0;
        await chats.saveChat({ chatId, messages: structuredClone(messages) });
        assert.deepEqual(spy.writes.map(sentValues), [[]], "no message sent");
        assert.equal(await memory.get("ui_messages:rev"), rev, "nothing changed");
        // a fresh store (nothing remembered) reads, then sends one message
        const fresh = spying(t.newManager());
        const other = createChatStore({ manager: fresh.manager });
        const next = [...(await other.loadChat(chatId)), userMessage("new", "one more")];
        await other.saveChat({ chatId, messages: next });
        assert.deepEqual(fresh.writes.map(sentValues), [[userMessage("new", "one more")]]);
        assert.deepEqual(await chats.loadChat(chatId), next, "the stale store reads again");
        // a change in the middle is sent alone, in place
        const edited = structuredClone(next);
        (edited[5] as UIMessage).parts = [{ type: "text", text: "edited" }];
        fresh.writes.length = 0;
        await other.saveChat({ chatId, messages: edited });
        assert.deepEqual(fresh.writes.map(sentValues), [[edited[5]]]);
        assert.deepEqual(await createChatStore({ manager: t.newManager() }).loadChat(chatId), edited);
      });

      it("a regenerate drops the old reply (and an edit the messages after it)", async () => {
        const chats = createChatStore({ manager: t.newManager() });
        const chatId = freshId();
        const first = [userMessage("u1", "hi")];
        await runRoute(sdk, chats, { chatId, messages: first, words: ["old"], replyId: "old-reply" });
        const stored = await chats.loadChat(chatId);
        assert.deepEqual(
          stored.map((m) => m.id),
          ["u1", "old-reply"],
        );
        const run = await runRoute(sdk, chats, {
          chatId,
          messages: stored.slice(0, -1),
          words: ["new"],
          replyId: "new-reply",
        });
        const after = await createChatStore({ manager: t.newManager() }).loadChat(chatId);
        assert.deepEqual(after, run.callbackMessages);
        assert.deepEqual(
          after.map((m) => [m.id, textOf(m)]),
          [
            ["u1", "hi"],
            ["new-reply", "new"],
          ],
        );
        await chats.saveChat({ chatId, messages: [userMessage("u1", "edited question")] });
        assert.deepEqual(await chats.loadChat(chatId), [userMessage("u1", "edited question")]);
      });

      it("an aborted stream keeps the partial reply; a continuation replaces it in place", async () => {
        const chats = createChatStore({ manager: t.newManager() });
        const chatId = freshId();
        const words = Array.from({ length: 30 }, (_, i) => `w${i} `);
        const run = await runRoute(sdk, chats, {
          chatId,
          messages: [userMessage("u1", "long one")],
          words,
          replyId: "a1",
          delayMs: 5,
          abortAfterChunks: 5,
        });
        assert.equal(run.isAborted, true);
        const stored = await createChatStore({ manager: t.newManager() }).loadChat(chatId);
        assert.deepEqual(
          stored.map((m) => m.id),
          ["u1", "a1"],
        );
        const partial = textOf(stored[1]);
        assert.ok(partial.length > 0 && partial.length < words.join("").length, `partial: ${partial}`);
        assert.ok(words.join("").startsWith(partial), partial);
        // the continuation: the client resumes the assistant message, same id
        const cont = await runRoute(sdk, chats, {
          chatId,
          messages: stored,
          words: ["(continued)"],
          replyId: "x",
        });
        const after = await chats.loadChat(chatId);
        assert.deepEqual(after, cont.callbackMessages);
        assert.deepEqual(
          after.map((m) => m.id),
          ["u1", "a1"],
        );
        assert.equal(textOf(after[1]), `${partial}(continued)`);
      });
    });
  }

  describe("upsertMessages, validation, limits", () => {
    it("merges by id: new appended in order, changed replaced in place, nothing removed", async () => {
      const chats = createChatStore({ manager: t.newManager() });
      const chatId = freshId();
      await chats.saveChat({ chatId, messages: many(3) });
      const changed = { ...many(3)[1], parts: [{ type: "text", text: "changed" }] } as UIMessage;
      await chats.upsertMessages({ chatId, messages: [userMessage("n1", "new"), changed] });
      assert.deepEqual(await chats.loadChat(chatId), [
        many(3)[0],
        changed,
        many(3)[2],
        userMessage("n1", "new"),
      ]);
    });

    it("concurrent upserts of different new messages lose none", async () => {
      const chatId = freshId();
      const stores = [0, 1, 2].map(() => createChatStore({ manager: t.newManager() }));
      await Promise.all(
        stores.map(async (chats, p) => {
          for (let i = 0; i < 15; i++)
            await chats.upsertMessages({ chatId, messages: [userMessage(`${p}-${i}`, `from ${p}`)] });
        }),
      );
      const ids = (await stores[0]?.loadChat(chatId))?.map((m) => m.id) ?? [];
      assert.equal(ids.length, 45);
      for (const p of [0, 1, 2]) {
        const mine = ids.filter((id) => id.startsWith(`${p}-`));
        assert.deepEqual(
          mine,
          Array.from({ length: 15 }, (_, i) => `${p}-${i}`),
          "each writer's messages in its order",
        );
      }
    });

    it("a message without a non-empty string id is a ValidationError and nothing is written", async () => {
      const chats = createChatStore({ manager: t.newManager() });
      const chatId = freshId();
      await chats.saveChat({ chatId, messages: many(2) });
      for (const bad of [
        { role: "user", parts: [] },
        { id: "", role: "assistant", parts: [] },
        { id: 7, role: "user", parts: [] },
      ]) {
        await rejectsWith(
          chats.saveChat({ chatId, messages: [...many(2), bad as unknown as UIMessage] }),
          ValidationError,
        );
        await rejectsWith(
          chats.upsertMessages({ chatId, messages: [bad as unknown as UIMessage] }),
          ValidationError,
        );
      }
      await rejectsWith(chats.saveChat({ chatId, messages: [...many(2), ...many(1)] }), ValidationError); // duplicate id
      assert.deepEqual(await createChatStore({ manager: t.newManager() }).loadChat(chatId), many(2));
    });

    it("loaded messages passed back are not re-checked, yet duplicates and foreign lists are caught", async () => {
      const { manager, writes } = spying(t.newManager());
      const chats = createChatStore({ manager });
      const chatId = freshId();
      await chats.saveChat({ chatId, messages: many(3) });
      const loaded = await chats.loadChat(chatId);
      // The loaded (frozen) messages again, plus one: only the new one is sent.
      writes.length = 0;
      await chats.saveChat({ chatId, messages: [...loaded, ...many(1, "n")] });
      assert.deepEqual(writes.map(sentValues), [[many(1, "n")[0]]]);
      // A loaded message twice, or a new one reusing a loaded id: ValidationError, nothing written.
      const again = await chats.loadChat(chatId);
      await rejectsWith(
        chats.saveChat({ chatId, messages: [...again, again[0] as UIMessage] }),
        ValidationError,
        'messages[4]: id "m0" occurs more than once',
      );
      await rejectsWith(
        chats.saveChat({ chatId, messages: [...again, { ...(again[1] as UIMessage) }] }),
        ValidationError,
        'messages[4]: id "m1" occurs more than once',
      );
      assert.deepEqual(await chats.loadChat(chatId), [...many(3), ...many(1, "n")]);
      // A list written around the store (a duplicate id in it): the loaded list passed back is
      // checked in full, as any list of yours.
      const memory = manager.getMemory(chatId);
      await memory.append(chats.field, many(1)[0]);
      const foreign = await createChatStore({ manager }).loadChat(chatId);
      const fresh = createChatStore({ manager });
      const read = await fresh.loadChat(chatId);
      assert.deepEqual(read, foreign);
      await rejectsWith(fresh.saveChat({ chatId, messages: read }), ValidationError, "occurs more than once");
      await fresh.saveChat({ chatId, messages: read.slice(0, 4) });
      assert.deepEqual(await chats.loadChat(chatId), [...many(3), ...many(1, "n")]);
    });

    it("a long chat this store wrote last is handed out again after one small read; another's write is seen", async () => {
      const manager = t.newManager();
      const operations: string[] = [];
      manager.on("operation", (e) => operations.push(e.operation));
      const chats = createChatStore({ manager });
      const other = createChatStore({ manager: t.newManager() });
      const chatId = freshId();
      await chats.saveChat({ chatId, messages: many(REVALIDATE_FROM) });
      operations.length = 0;
      const first = await chats.loadChat(chatId);
      assert.deepEqual(first, many(REVALIDATE_FROM));
      assert.deepEqual(operations, ["get"], "the token only");
      assert.ok(Object.isFrozen(first[0]) && Object.isFrozen(first[0]?.parts));
      // Another store (another worker) writes: the token changed, the list is read again.
      await other.saveChat({ chatId, messages: [...(await other.loadChat(chatId)), ...many(1, "x")] });
      operations.length = 0;
      assert.deepEqual(await chats.loadChat(chatId), [...many(REVALIDATE_FROM), ...many(1, "x")]);
      assert.deepEqual(operations, ["get", "getMany"]);
      // A short chat is read whole in one round trip.
      const short = freshId();
      await chats.saveChat({ chatId: short, messages: many(3) });
      operations.length = 0;
      assert.deepEqual(await chats.loadChat(short), many(3));
      assert.deepEqual(operations, ["getMany"]);
      // Deleted by another store: the token is gone, the chat is empty.
      await other.deleteChat(chatId);
      assert.deepEqual(await chats.loadChat(chatId), []);
    });

    it("undefined properties are dropped (no SerializationError); loaded messages are frozen", async () => {
      const chats = createChatStore({ manager: t.newManager() });
      const chatId = freshId();
      const message = {
        id: "u",
        role: "user",
        metadata: undefined,
        parts: [{ type: "text", text: "x", state: undefined }],
      };
      await chats.saveChat({ chatId, messages: [message as unknown as UIMessage] });
      const [loaded] = await chats.loadChat(chatId);
      assert.deepEqual(loaded, { id: "u", role: "user", parts: [{ type: "text", text: "x" }] });
      assert.ok(Object.isFrozen(loaded) && Object.isFrozen(loaded?.parts[0]));
      await chats.saveChat({ chatId, messages: [] });
      assert.deepEqual(await chats.loadChat(chatId), []);
      assert.equal(await chats.deleteChat(chatId), true);
      assert.deepEqual(await t.newManager().getMemory(chatId).keys(), []);
    });

    if (t.name !== "InMemoryStore") {
      it("two processes upserting different new messages concurrently lose none", async () => {
        const chatId = freshId();
        const procs = ["p0", "p1"].map((proc) =>
          runNode(fixture("aisdk-upsert.mjs"), [
            JSON.stringify({ redis: redisOf(t), chatId, proc, count: 25 }),
          ]),
        );
        for (const p of procs) assert.equal(await p.nextLine(), "ready");
        for (const p of procs) p.send("go");
        for (const p of procs) assert.equal(await p.nextLine(), "done");
        for (const p of procs) assert.equal((await p.exit(10_000)).code, 0);
        const ids = (await createChatStore({ manager: t.newManager() }).loadChat(chatId)).map((m) => m.id);
        assert.equal(ids.length, 50);
        for (const proc of ["p0", "p1"])
          assert.deepEqual(
            ids.filter((id) => id.startsWith(proc)),
            Array.from({ length: 25 }, (_, i) => `${proc}-${i}`),
          );
      });

      for (const sdk of sdks) {
        it(`${sdk.name}: a SIGKILLed streaming worker leaves the partial reply`, async () => {
          const chatId = freshId();
          const words = Array.from({ length: 60 }, (_, i) => `w${i} `);
          const worker = runNode(fixture("aisdk-stream-worker.mjs"), [
            JSON.stringify({ redis: redisOf(t), chatId, pkg: sdk.pkg, words }),
          ]);
          for (;;) {
            const line = await worker.nextLine();
            if (Number(line.split(" ")[1]) >= 12) break;
          }
          await new Promise((r) => setTimeout(r, 120));
          worker.process.kill("SIGKILL");
          const exit = await worker.exit(10_000);
          assert.equal(exit.signal, "SIGKILL");
          const stored = await createChatStore({ manager: t.newManager() }).loadChat(chatId);
          assert.deepEqual(
            stored.map((m) => [m.id, m.role]),
            [
              ["u-kill", "user"],
              ["a-kill", "assistant"],
            ],
          );
          const text = textOf(stored[1]);
          assert.ok(
            text.length >= "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ".length,
            `partial reply: ${JSON.stringify(text)}`,
          );
          assert.ok(words.join("").startsWith(text) && text !== words.join(""), text);
        });
      }
    }
  });
});

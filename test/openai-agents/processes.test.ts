/**
 * `ConvmemSession` across real processes (test/fixtures/openai-session-worker.mjs), on standalone
 * Redis and on Cluster (those of `CONVMEM_TEST_TARGETS` that are Redis): concurrent `addItems`
 * stay contiguous and complete, concurrent `popItem`s never share an item, a transaction
 * replayed from another process is a no-op, a reused id or a stale suffix throws and changes
 * nothing, compare-and-set suffixes racing appends stay exact, and a compaction replace never
 * shows a reader an empty or partial history.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AgentInputItem } from "@openai/agents-core";
import { createMemoryManager, type MemoryManager } from "../../src/index.js";
import { ConvmemSession } from "../../src/openai-agents/index.js";
import { fixture, type NodeChild, runNode } from "../helpers/node-child.js";
import { freshId } from "../helpers/targets.js";
import { redisBackends, userMessage } from "./helpers.js";

type Answer = Record<string, unknown>;

/** Worker processes per backend (the most any test uses at once). */
const POOL = 6;

interface Worker {
  ask(command: Answer): Promise<Answer>;
  child: NodeChild;
}

const textOf = (item: AgentInputItem | null | undefined): string => {
  const content = (item as { content?: Array<{ text?: string }> } | null | undefined)?.content;
  return content?.[0]?.text ?? "";
};

for (const backend of redisBackends()) {
  describe(`ConvmemSession across processes (${backend.name})`, () => {
    const keyPrefix = freshId("oa-proc");
    let stop: () => Promise<void> = async () => {};
    let manager: MemoryManager;
    /** One pool of worker processes for the whole file; each command names its session. */
    const pool: Worker[] = [];

    before(async () => {
      const started = await backend.start();
      stop = started.stop;
      manager = createMemoryManager({ redis: started.url, keyPrefix });
      const children = Array.from({ length: POOL }, (_, proc) =>
        runNode(fixture("openai-session-worker.mjs"), [
          JSON.stringify({ url: started.url, keyPrefix, proc }),
        ]),
      );
      for (const child of children) {
        assert.equal(await child.nextLine(), "ready");
        pool.push({
          child,
          ask: async (command) => {
            child.send(JSON.stringify(command));
            return JSON.parse(await child.nextLine()) as Answer;
          },
        });
      }
    });
    after(async () => {
      for (const w of pool) w.child.send(JSON.stringify({ cmd: "exit" }));
      const exits = await Promise.allSettled(pool.map((w) => w.child.exit(10_000)));
      await manager.close();
      await stop();
      for (const e of exits)
        assert.ok(e.status === "fulfilled" && e.value.code === 0, "every worker exited cleanly");
    });

    /** `n` workers of the pool, each bound to session `sessionId`. */
    function workers(n: number, sessionId: string): Worker[] {
      assert.ok(n <= POOL);
      return pool
        .slice(0, n)
        .map((w) => ({ child: w.child, ask: (command) => w.ask({ ...command, sessionId }) }));
    }

    const sessionOf = (sessionId: string) => new ConvmemSession({ sessionId, manager });

    it("6 processes × 25 concurrent addItems of 4: every call's items contiguous and in order, none lost", async () => {
      const sessionId = freshId("add");
      const ws = workers(6, sessionId);
      await Promise.all(ws.map((w) => w.ask({ cmd: "add", calls: 25, size: 4 })));
      const items = await sessionOf(sessionId).getItems();
      assert.equal(items.length, 6 * 25 * 4);
      const seen = new Set<string>();
      const lastCall = new Map<string, number>();
      for (let at = 0; at < items.length; at += 4) {
        const [proc, call] = textOf(items[at]).split(":");
        const chunk = items.slice(at, at + 4).map(textOf);
        assert.deepEqual(
          chunk,
          [0, 1, 2, 3].map((i) => `${proc}:${call}:${i}`),
          `items ${at}…${at + 3}`,
        );
        seen.add(`${proc}:${call}`);
        assert.ok(Number(call) > (lastCall.get(proc as string) ?? -1), "each process's calls in its order");
        lastCall.set(proc as string, Number(call));
      }
      assert.equal(seen.size, 6 * 25);
    });

    it("4 processes popping 60 each from 200 items: every item popped exactly once", async () => {
      const sessionId = freshId("pop");
      const items = Array.from({ length: 200 }, (_, i) => userMessage(`item ${i}`));
      await sessionOf(sessionId).addItems(items);
      const ws = workers(4, sessionId);
      const answers = await Promise.all(ws.map((w) => w.ask({ cmd: "pop", count: 60 })));
      const popped = answers.flatMap((a) => a.popped as Array<AgentInputItem | null>);
      const got = popped.filter((p) => p !== null).map(textOf);
      assert.equal(got.length, 200);
      assert.deepEqual([...new Set(got)].sort(), items.map(textOf).sort());
      assert.equal(popped.filter((p) => p === null).length, 40);
      // Each process popped newest first.
      for (const a of answers) {
        const own = (a.popped as Array<AgentInputItem | null>)
          .filter((p) => p !== null)
          .map((p) => Number(textOf(p).split(" ")[1]));
        assert.deepEqual(
          own,
          [...own].sort((x, y) => y - x),
        );
      }
      assert.deepEqual(await sessionOf(sessionId).getItems(), []);
    });

    it("a transaction replayed from another process is a no-op; the same id at once from 5 applies once", async () => {
      const sessionId = freshId("replay");
      const session = sessionOf(sessionId);
      await session.addItems([userMessage("start")]);
      const [a, b] = workers(2, sessionId);
      const append = {
        operationId: "turn-1:append",
        transaction: { type: "append_items", items: [userMessage("blocked")] },
      };
      assert.deepEqual(await a?.ask({ cmd: "tx", args: append }), { ok: true });
      assert.deepEqual(await b?.ask({ cmd: "tx", args: append }), { ok: true });
      assert.deepEqual(await session.getItems(), [userMessage("start"), userMessage("blocked")]);
      const replace = {
        operationId: "turn-1:replace",
        transaction: {
          type: "replace_suffix",
          expectedSuffix: [userMessage("blocked")],
          replacement: [userMessage("accepted")],
        },
      };
      assert.deepEqual(await a?.ask({ cmd: "tx", args: replace }), { ok: true });
      await session.addItems([userMessage("later")]);
      assert.deepEqual(await b?.ask({ cmd: "tx", args: replace }), { ok: true });
      assert.deepEqual(await session.getItems(), [
        userMessage("start"),
        userMessage("accepted"),
        userMessage("later"),
      ]);

      const five = workers(5, sessionId);
      const same = {
        operationId: "at-once",
        transaction: { type: "append_items", items: [userMessage("once")] },
      };
      const answers = await Promise.all(five.map((w) => w.ask({ cmd: "tx", args: same })));
      assert.deepEqual(
        answers,
        five.map(() => ({ ok: true })),
      );
      assert.equal((await session.getItems()).filter((i) => textOf(i) === "once").length, 1);

      const rival = await Promise.all(
        five.map((w, proc) =>
          w.ask({
            cmd: "tx",
            args: {
              operationId: "rival",
              transaction: { type: "append_items", items: [userMessage(`rival ${proc}`)] },
            },
          }),
        ),
      );
      assert.equal(rival.filter((r) => r.ok === true).length, 1, JSON.stringify(rival));
      for (const r of rival.filter((r) => r.ok !== true)) {
        assert.deepEqual(r, {
          error: "Session history operation was already applied with a different transaction.",
          name: "UserError",
        });
      }
      assert.equal((await session.getItems()).filter((i) => textOf(i).startsWith("rival")).length, 1);
    });

    it("another transaction under a used id, or a stale replace_suffix, throws in another process and changes nothing", async () => {
      const sessionId = freshId("conflict");
      const session = sessionOf(sessionId);
      const memory = manager.getMemory(sessionId);
      await session.applyHistoryTransaction({
        operationId: "op-1",
        transaction: { type: "append_items", items: [userMessage("first")] },
      });
      const before = { items: await session.getItems(), ops: await memory.get("agent_items:ops") };
      const [w] = workers(1, sessionId);
      assert.deepEqual(
        await w?.ask({
          cmd: "tx",
          args: {
            operationId: "op-1",
            transaction: { type: "append_items", items: [userMessage("second")] },
          },
        }),
        {
          error: "Session history operation was already applied with a different transaction.",
          name: "UserError",
        },
      );
      assert.deepEqual(
        await w?.ask({
          cmd: "tx",
          args: {
            operationId: "op-2",
            transaction: {
              type: "replace_suffix",
              expectedSuffix: [userMessage("not there")],
              replacement: [userMessage("x")],
            },
          },
        }),
        {
          error: "Session history suffix no longer matches the transaction precondition.",
          name: "UserError",
        },
      );
      assert.deepEqual({ items: await session.getItems(), ops: await memory.get("agent_items:ops") }, before);
      // op-2 was not recorded: it can still be applied, with a suffix that matches.
      assert.deepEqual(
        await w?.ask({
          cmd: "tx",
          args: {
            operationId: "op-2",
            transaction: {
              type: "replace_suffix",
              expectedSuffix: [userMessage("first")],
              replacement: [userMessage("x")],
            },
          },
        }),
        { ok: true },
      );
      assert.deepEqual(await session.getItems(), [userMessage("x")]);
    });

    it("replace_suffix racing appends from 2 other processes: each applied one lands right after its item", async () => {
      const sessionId = freshId("cas");
      const session = sessionOf(sessionId);
      await session.addItems([userMessage("seed")]);
      const [adder, markerA, markerB] = workers(3, sessionId);
      const [, a, b] = await Promise.all([
        adder?.ask({ cmd: "add", calls: 150, size: 1 }),
        markerA?.ask({ cmd: "markLoop", times: 40 }),
        markerB?.ask({ cmd: "markLoop", times: 40 }),
      ]);
      const results = [...((a?.results ?? []) as unknown[]), ...((b?.results ?? []) as unknown[])];
      for (const r of results) {
        assert.ok(
          r === true || r === "Session history suffix no longer matches the transaction precondition.",
          String(r),
        );
      }
      const items = await session.getItems();
      const markers = items.filter((i) => i.type === "unknown");
      assert.equal(markers.length, results.filter((r) => r === true).length);
      assert.ok(markers.length > 0, "some marker landed");
      // Every added item exactly once and in order; each marker right after the item it names.
      const plain = items.filter((i) => i.type !== "unknown").map(textOf);
      assert.deepEqual(plain, ["seed", ...Array.from({ length: 150 }, (_, c) => `0:${c}:0`)]);
      items.forEach((item, i) => {
        if (item.type !== "unknown") return;
        assert.deepEqual((item.providerData as { after: unknown }).after, items[i - 1]);
      });
    });

    it("replaceHistoryWithCompaction never shows another process an empty or partial history", async () => {
      const sessionId = freshId("compact");
      const session = sessionOf(sessionId);
      await session.replaceHistoryWithCompaction([
        { type: "compaction", encrypted_content: "initial" },
        ...Array.from({ length: 20 }, (_, i) => userMessage(`initial ${i}`)),
      ]);
      const [compacter, reader] = workers(2, sessionId);
      const [, read] = await Promise.all([
        compacter?.ask({ cmd: "compactLoop", times: 300, size: 20 }),
        reader?.ask({ cmd: "readLoop", reads: 300 }),
      ]);
      assert.deepEqual(read, { reads: 300, empty: 0, lengths: [21, 21] });
      const items = await session.getItems();
      assert.equal(items[0]?.type, "compaction");
      assert.equal(textOf(items[20]), "kept 299:19");
    });
  });
}

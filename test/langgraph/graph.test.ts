/**
 * `ConvmemSaver` under a real LangGraph `StateGraph` (reducer channel, conditional edge,
 * `interrupt()`): worker processes (test/fixtures/langgraph-worker.mjs, on the built package)
 * continuing and resuming one thread, two threads at once, time travel, hostile thread ids,
 * expiry as a unit, and `deleteThread` leaving no key of the saver (checked by SCAN).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { createClient } from "redis";
import type { MemoryManager } from "../../src/index.js";
import { ConvmemSaver } from "../../src/langgraph/index.js";
import { fixture, runNode } from "../helpers/node-child.js";
import { forEachTarget, sleep } from "../helpers/targets.js";

interface WorkerState {
  values: { steps: string[]; count: number; target: number; answer: unknown };
  next: string[];
  interrupts: unknown[];
  pid: number;
}

async function worker(url: string, prefix: string, thread: string, label: string, ...args: string[]) {
  const child = runNode(fixture("langgraph-worker.mjs"), [url, prefix, thread, label, ...args]);
  const exit = await child.exit(60_000);
  assert.equal(exit.code, 0, `worker ${label} failed:\n${exit.stderr}`);
  return JSON.parse(exit.stdout.trim().split("\n").at(-1) ?? "") as WorkerState;
}

const last = (_a: unknown, b: unknown) => b;
const State = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  count: Annotation<number>({ reducer: last as (a: number, b: number) => number, default: () => 0 }),
  target: Annotation<number>({ reducer: last as (a: number, b: number) => number, default: () => 1 }),
});

/** The in-process graph: `work` loops to `target`, then `review` interrupts. */
function buildGraph(checkpointer: ConvmemSaver) {
  return new StateGraph(State)
    .addNode("work", (s) => ({ count: s.count + 1, steps: [`work${s.count + 1}`] }))
    .addNode("review", () => ({ steps: [`review:${String(interrupt("ok?"))}`] }))
    .addEdge(START, "work")
    .addConditionalEdges("work", (s) => (s.count < s.target ? "work" : "review"), ["work", "review"])
    .addEdge("review", END)
    .compile({ checkpointer });
}

/** Every key of the Redis at `url` (each node of a `redis+cluster://` URL), by SCAN. */
async function scanAll(url: string): Promise<string[]> {
  const urls = url.startsWith("redis+cluster://")
    ? url
        .slice("redis+cluster://".length)
        .split(",")
        .map((h) => `redis://${h}`)
    : [url];
  const keys: string[] = [];
  for (const u of urls) {
    const client = createClient({ url: u });
    await client.connect();
    try {
      for await (const batch of client.scanIterator({ COUNT: 1000 })) keys.push(...batch);
    } finally {
      client.destroy();
    }
  }
  return keys;
}

forEachTarget((t) => {
  const redisTarget = t.name !== "InMemoryStore";
  const prefix = `lg${randomUUID().slice(0, 8)}`;
  let shared: MemoryManager | undefined;
  const manager = (): MemoryManager => {
    shared ??= t.newManager({ keyPrefix: prefix });
    return shared;
  };

  if (redisTarget) {
    it("one process invokes, another resumes the interrupt, a third continues, a fourth resumes", async () => {
      const url = t.redisUrl as string;
      const thread = `t-${randomUUID()}`;
      const a = await worker(url, prefix, thread, "A", "invoke", JSON.stringify({ target: 2 }));
      assert.deepEqual(a.values.steps, ["work1@A", "work2@A"]);
      assert.deepEqual(a.next, ["review"]);
      assert.deepEqual(a.interrupts, [{ question: "ship 2?" }]);
      const b = await worker(url, prefix, thread, "B", "resume", JSON.stringify({ ok: true }));
      assert.notEqual(a.pid, b.pid);
      assert.deepEqual(b.values.steps, ["work1@A", "work2@A", 'review:{"ok":true}@B']);
      assert.deepEqual(b.next, []);
      assert.deepEqual(b.values.answer, { ok: true });
      const c = await worker(url, prefix, thread, "C", "invoke", JSON.stringify({ target: 4 }));
      assert.deepEqual(c.values.steps.slice(3), ["work3@C", "work4@C"]);
      assert.equal(c.values.count, 4);
      assert.deepEqual(c.interrupts, [{ question: "ship 4?" }]);
      const d = await worker(url, prefix, thread, "D", "resume", JSON.stringify("no"));
      assert.deepEqual(d.values.steps.at(-1), 'review:"no"@D');
      // The state read in this process, through the saver of the source tree, agrees.
      const tuple = await new ConvmemSaver({ manager: manager() }).getTuple({
        configurable: { thread_id: thread },
      });
      assert.ok(tuple);
      assert.deepEqual((tuple.checkpoint.channel_values as { steps: string[] }).steps, d.values.steps);
    });

    it("two processes run different threads at the same time", async () => {
      const url = t.redisUrl as string;
      const [t1, t2] = [`p-${randomUUID()}`, `p-${randomUUID()}`];
      const [x, y] = await Promise.all([
        worker(url, prefix, t1, "X", "invoke", JSON.stringify({ target: 3 })),
        worker(url, prefix, t2, "Y", "invoke", JSON.stringify({ target: 2 })),
      ]);
      assert.deepEqual(x.values.steps, ["work1@X", "work2@X", "work3@X"]);
      assert.deepEqual(y.values.steps, ["work1@Y", "work2@Y"]);
    });

    it("deleteThread leaves no key of the saver (SCAN), and the conversation's other fields", async () => {
      const thread = `del-${randomUUID()}`;
      const saver = new ConvmemSaver({ manager: manager() });
      const memory = manager().getMemory(thread);
      await memory.set("app", { keep: true });
      await memory.addMessage("user", "hi");
      await buildGraph(saver).invoke({ target: 3 }, { configurable: { thread_id: thread } });
      const mine = (keys: string[]) => keys.filter((k) => k.includes(`{${thread}}`));
      const before = mine(await scanAll(t.redisUrl as string)).filter((k) => k.includes("langgraph:"));
      assert.ok(before.length >= 4, `saver keys before: ${before.join(", ")}`);
      await saver.deleteThread(thread);
      const left = mine(await scanAll(t.redisUrl as string));
      const after = left.filter((k) => k.includes("langgraph"));
      assert.deepEqual(after, []);
      assert.ok(
        left.some((k) => k.endsWith(":app")),
        `the app's field stays: ${left.join(", ")}`,
      );
      assert.deepEqual(await memory.get("app"), { keep: true });
      assert.equal((await memory.getMessages()).length, 1);
      assert.deepEqual(await memory.keys(), ["app", "messages"]);
      assert.equal(await saver.getTuple({ configurable: { thread_id: thread } }), undefined);
    });
  }

  it("getStateHistory and time travel: a fork from an earlier checkpoint", async () => {
    const thread = `h-${randomUUID()}`;
    const graph = buildGraph(new ConvmemSaver({ manager: manager() }));
    const config = { configurable: { thread_id: thread } };
    await graph.invoke({ target: 3 }, config);
    const history = [];
    for await (const s of graph.getStateHistory(config)) history.push(s);
    assert.equal(history[0]?.values.count, 3);
    assert.deepEqual(history[0]?.next, ["review"]);
    const counts = history.map((s) => s.values.count ?? 0);
    assert.deepEqual(
      counts,
      [...counts].sort((x, y) => y - x),
      "newest first",
    );
    const afterOne = history.find((s) => s.values.count === 1 && s.next[0] === "work");
    assert.ok(afterOne, "a checkpoint after the first work step");
    const forked = await graph.invoke(null, afterOne.config);
    assert.deepEqual(forked.steps, ["work1", "work2", "work3"]);
    // The fork continued from count 1: the newest checkpoint's parent is the fork point's child.
    const limited = [];
    for await (const s of graph.getStateHistory(config, { limit: 2 })) limited.push(s);
    assert.equal(limited.length, 2);
    const full = [];
    for await (const s of graph.getStateHistory(config)) full.push(s);
    assert.ok(full.length > history.length, "the fork added checkpoints");
  });

  it("hostile thread ids stay apart and delete only themselves", async () => {
    const saver = new ConvmemSaver({ manager: manager() });
    const graph = buildGraph(saver);
    const tag = randomUUID().slice(0, 6);
    const ids = [
      "*",
      "{x}",
      "a:b",
      "%2A",
      " ",
      "🦜",
      "__proto__",
      "constructor",
      "x".repeat(400),
      "\n\t",
    ].map((id, i) => `${id}${i === 6 || i === 7 ? "" : tag}`);
    for (const [i, id] of ids.entries())
      await graph.invoke({ target: 1 + (i % 3) }, { configurable: { thread_id: id } });
    for (const [i, id] of ids.entries()) {
      const s = await graph.getState({ configurable: { thread_id: id } });
      assert.equal(s.values.count, 1 + (i % 3), JSON.stringify(id));
    }
    await saver.deleteThread(ids[0] as string);
    assert.equal(await saver.getTuple({ configurable: { thread_id: ids[0] } }), undefined);
    const s1 = await graph.getState({ configurable: { thread_id: ids[1] } });
    assert.equal(s1.values.count, 2);
    for (const id of ids) await saver.deleteThread(id);
  });

  it("a thread expires as a unit with its conversation", async () => {
    const short = t.newManager({ keyPrefix: prefix, defaultTtl: 1 });
    const saver = new ConvmemSaver({ manager: short });
    const thread = `ttl-${randomUUID()}`;
    await buildGraph(saver).invoke({ target: 2 }, { configurable: { thread_id: thread } });
    assert.ok(await saver.getTuple({ configurable: { thread_id: thread } }));
    await sleep(2300);
    assert.equal(await saver.getTuple({ configurable: { thread_id: thread } }), undefined);
    assert.deepEqual(await short.getMemory(thread).keys(), []);
    const listed = [];
    for await (const c of saver.list({ configurable: { thread_id: thread } })) listed.push(c);
    assert.deepEqual(listed, []);
  });
});

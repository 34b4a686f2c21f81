/**
 * `convmem messages` on a LangGraph thread: its checkpoints, briefly (time, id, step, source),
 * under their own heading, read from what `ConvmemSaver` really stored; and `export`/`import`
 * carry the thread so the saver reads the same state under the same thread id elsewhere.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ConvmemSaver } from "../../src/langgraph/index.js";
import { useCliRedis } from "../helpers/cli.js";
import { freshId } from "../helpers/targets.js";

const State = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

describe("convmem CLI on a LangGraph thread", () => {
  const redis = useCliRedis();
  const dir = mkdtempSync(join(tmpdir(), "convmem-lg-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("messages lists the checkpoints; export then import gives the saver the same state", async () => {
    const { manager, cli } = redis.namespace();
    const graph = new StateGraph(State)
      .addNode("a", () => ({ steps: ["a"] }))
      .addNode("b", () => ({ steps: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpointer: new ConvmemSaver({ manager }) });
    const thread = freshId("thread");
    await graph.invoke({ steps: ["start"] }, { configurable: { thread_id: thread } });
    await manager.getMemory(thread).addMessage("user", "beside the graph");

    const out = await cli("messages", thread);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split("\n");
    const at = lines.findIndex((l) => l.startsWith("== LangGraph checkpoints (langgraph:log"));
    assert.ok(at > 0, out.stdout);
    const rows = lines.slice(at + 1);
    assert.equal(rows.length, 4, "input, a, b and the start checkpoint");
    for (const row of rows)
      assert.match(row, /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}\S+ {2}step -?\d+ {2}(input|loop|update|fork)$/);
    assert.match(rows.at(-1) ?? "", /step 2 {2}loop$/);

    const exported = await cli("export", thread);
    assert.equal(exported.code, 0, exported.stderr);
    const file = join(dir, "thread.json");
    writeFileSync(file, exported.stdout);
    const other = redis.namespace();
    const imported = await other.cli("import", file);
    assert.equal(imported.code, 0, imported.stderr);
    const saver = new ConvmemSaver({ manager: other.manager });
    const tuple = await saver.getTuple({ configurable: { thread_id: thread } });
    assert.deepEqual(tuple?.checkpoint.channel_values.steps, ["start", "a", "b"]);
  });
});

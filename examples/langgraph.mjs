// Human-in-the-loop with LangGraph.js on convmem (no LLM): a refund request is drafted, then a
// `review` node interrupt()s for a human decision. The graph runs in one worker process, which
// exits at the interrupt; a *different* worker process resumes it with Command({ resume }), on
// the same thread, from the checkpoints in Redis.
//
//   node examples/langgraph.mjs [redis url]        (default: CONVMEM_REDIS_URL, REDIS_URL, localhost)
//
// `npm run build` first (the example imports the built package, as `convmem` and
// `convmem/langgraph` would).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Annotation, Command, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { createMemoryManager } from "../dist/index.js";
import { ConvmemSaver } from "../dist/langgraph/index.js";

const url =
  (process.argv[2] === "--worker" ? process.argv[3] : process.argv[2]) ||
  process.env.CONVMEM_REDIS_URL ||
  process.env.REDIS_URL;

const State = Annotation.Root({
  request: Annotation({ reducer: (_a, b) => b, default: () => "" }),
  log: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
  decision: Annotation({ reducer: (_a, b) => b, default: () => null }),
});

function graphOn(checkpointer) {
  return new StateGraph(State)
    .addNode("draft", (s) => ({ log: [`drafted a refund for "${s.request}" (pid ${process.pid})`] }))
    .addNode("review", () => {
      const decision = interrupt({ question: "Approve the refund?" });
      return { decision, log: [`human said ${JSON.stringify(decision)} (pid ${process.pid})`] };
    })
    .addNode("send", (s) => ({ log: [`refund ${s.decision === "approve" ? "sent" : "cancelled"}`] }))
    .addEdge(START, "draft")
    .addEdge("draft", "review")
    .addEdge("review", "send")
    .addEdge("send", END)
    .compile({ checkpointer });
}

/** One worker: `start <thread>` runs to the interrupt, `resume <thread> <decision>` finishes. */
async function work(mode, threadId, decision) {
  const manager = createMemoryManager(url ? { redis: url } : {});
  try {
    const graph = graphOn(new ConvmemSaver({ manager }));
    const config = { configurable: { thread_id: threadId } };
    if (mode === "start") {
      const out = await graph.invoke({ request: "order 4711: broken mug" }, config);
      console.log(`worker ${process.pid}: paused, asking ${JSON.stringify(out.__interrupt__?.[0]?.value)}`);
    } else {
      const out = await graph.invoke(new Command({ resume: decision }), config);
      for (const line of out.log) console.log(`worker ${process.pid}: ${line}`);
      await new ConvmemSaver({ manager }).deleteThread(threadId);
    }
  } finally {
    await manager.close();
  }
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === "--worker") {
  const [mode, threadId, decision] = process.argv.slice(4);
  await work(mode, threadId, decision);
} else {
  const threadId = `refund-${randomUUID()}`;
  const run = (...args) => {
    const r = spawnSync(process.execPath, [self, "--worker", url ?? "", ...args], { stdio: "inherit" });
    if (r.status !== 0) process.exit(r.status ?? 1);
  };
  run("start", threadId); // process 1: draft, then pause at the interrupt
  run("resume", threadId, "approve"); // process 2: the human's answer, from another worker
  console.log("done: the interrupt raised in one process was resumed by another");
}

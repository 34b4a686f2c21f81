// LangGraph step cost on ConvmemSaver: a 3-node graph (a reducer channel) invoked on a thread
// that already holds ~10 vs ~1,000 checkpoints, and the same on LangGraph's MemorySaver (the
// in-process floor). PostgresSaver is not measured here (@langchain/langgraph-checkpoint-postgres
// is not installed). One invoke = 3 node steps = 4 checkpoints, each a getTuple/put/putWrites.
//   npm run build && node bench/langgraph.mjs [redis url] [rounds]
// Without a URL it starts a throwaway redis-server on a free port (stopped by PID).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { createMemoryManager } from "../dist/index.js";
import { ConvmemSaver } from "../dist/langgraph/index.js";

const rounds = Number(process.argv[3] ?? 100);
const State = Annotation.Root({
  log: Annotation({ reducer: (a, b) => a.concat(b).slice(-20), default: () => [] }),
  n: Annotation({ reducer: (_a, b) => b, default: () => 0 }),
});
const graphOn = (checkpointer) =>
  new StateGraph(State)
    .addNode("a", (s) => ({ n: s.n + 1, log: ["a"] }))
    .addNode("b", () => ({ log: ["b"] }))
    .addNode("c", () => ({ log: ["c"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile({ checkpointer });

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function measure(checkpointer, checkpoints) {
  const graph = graphOn(checkpointer);
  const config = { configurable: { thread_id: `bench-${checkpoints}-${Date.now()}` } };
  for (let i = 0; i < Math.ceil(checkpoints / 4); i++) await graph.invoke({ log: ["x"] }, config);
  for (let i = 0; i < 10; i++) await graph.invoke({ log: ["w"] }, config); // warm-up
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    await graph.invoke({ log: ["m"] }, config);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((x, y) => x - y);
  return { p50: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
}

let url = process.argv[2];
let server;
if (!url) {
  const port = await freePort();
  server = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await new Promise((r) => setTimeout(r, 300));
  url = `redis://127.0.0.1:${port}`;
}
const manager = createMemoryManager({ redis: url, keyPrefix: `lgbench${process.pid}` });
try {
  const rows = [];
  for (const n of [10, 1000])
    rows.push([`ConvmemSaver, thread of ${n} checkpoints`, await measure(new ConvmemSaver({ manager }), n)]);
  for (const n of [10, 1000])
    rows.push([`MemorySaver, thread of ${n} checkpoints`, await measure(new MemorySaver(), n)]);
  console.log(
    `| graph invoke (3 nodes, 4 checkpoints), ${rounds} rounds | p50 ms | p95 ms |\n| --- | --- | --- |`,
  );
  for (const [name, r] of rows) console.log(`| ${name} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} |`);
  console.log("| PostgresSaver | not measured | not measured |");
  const ratio = rows[1][1].p50 / rows[0][1].p50;
  console.log(`ConvmemSaver 1,000 vs 10 checkpoints: ${ratio.toFixed(2)}x (target <= 1.2x)`);
} finally {
  await manager.close();
  if (server) process.kill(server.pid);
}

// LangGraph step cost: a 3-node graph (a reducer channel) invoked on a thread that already holds
// ~10 vs ~1,000 checkpoints, on ConvmemSaver, on LangGraph's MemorySaver (the in-process floor)
// and on @langchain/langgraph-checkpoint-postgres's PostgresSaver. One invoke = 3 node steps =
// 4 checkpoints, each a getTuple/put/putWrites.
//   npm run build && node bench/langgraph.mjs [redis url] [rounds]
// Without a URL it starts a throwaway redis-server on a free port (stopped by PID).
// PostgresSaver runs on a throwaway PostgreSQL it starts itself: the newest
// /usr/lib/postgresql/<version>/bin (Debian's layout, off PATH), initdb -A trust in a temp dir and
// postgres on a free port, 127.0.0.1 only (as root both via `runuser -u postgres`, initdb refuses
// root), stopped by PID (SIGINT, wait for exit) and the dir removed, also on failure. Without
// those binaries the row says "not measured (PostgreSQL not installed)"; never part of the tests.
// Rounds are interleaved over the six threads; threads are replaced before they grow 20 %.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

// Timed invokes on a thread of ~`checkpoints` checkpoints. Each invoke adds 4, so the thread is
// replaced (a fresh one filled to 4 * floor(checkpoints / 4), the old one deleted, untimed) before
// it grows 20 %: the 10 case times an invoke on 8 checkpoints (a fresh thread every round), the
// 1,000 case on 1,000 to 1,196 (a fresh thread every 50 rounds).
async function prepare(checkpointer, checkpoints) {
  const graph = graphOn(checkpointer);
  const fill = Math.floor(checkpoints / 4);
  const every = Math.max(1, Math.floor((checkpoints * 0.2) / 4));
  let seq = 0;
  let config;
  let left = 0;
  const fresh = async () => {
    if (config) await checkpointer.deleteThread(config.configurable.thread_id);
    config = { configurable: { thread_id: `bench-${checkpoints}-${process.pid}-${seq++}` } };
    for (let i = 0; i < fill; i++) await graph.invoke({ log: ["x"] }, config);
    left = every;
  };
  await fresh();
  for (let i = 0; i < 10; i++) await graph.invoke({ log: ["w"] }, config); // warm-up
  await fresh();
  return async () => {
    if (left === 0) await fresh();
    left--;
    const t = process.hrtime.bigint();
    await graph.invoke({ log: ["m"] }, config);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
}

const stats = (times) => {
  const sorted = [...times].sort((x, y) => x - y);
  return { p50: sorted[Math.floor(sorted.length / 2)], p95: sorted[Math.floor(sorted.length * 0.95)] };
};

function postgresBin() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .filter((v) => ["initdb", "postgres"].every((b) => existsSync(join(root, v, "bin", b))))
    .sort((x, y) => Number(y) - Number(x));
  return versions.length ? join(root, versions[0], "bin") : null;
}

// Starts a throwaway PostgreSQL; returns { url, stop } (stop is idempotent and never throws).
async function startPostgres(bin) {
  const asRoot = process.getuid?.() === 0;
  const run = (cmd) => (asRoot ? ["runuser", ["-u", "postgres", "--", ...cmd]] : [cmd[0], cmd.slice(1)]);
  const dir = mkdtempSync(join(tmpdir(), "lgbench-pg-"));
  const data = join(dir, "data");
  let child;
  let exited;
  let pid;
  // Last resort if this process exits before stop() (uncaught error, signal): signal, remove dir.
  const onExit = () => {
    try {
      if (pid) process.kill(pid, "SIGINT");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const stop = async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      // As root `child` is runuser; signal the postmaster itself (postmaster.pid, line 1).
      pid = postmasterPid() ?? child.pid;
      try {
        process.kill(pid, "SIGINT"); // fast shutdown
      } catch {}
      const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
      await exited;
      clearTimeout(timer);
    }
    pid = undefined;
    process.removeListener("exit", onExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const postmasterPid = () => {
    try {
      return Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  try {
    if (asRoot) {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
      const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
      chownSync(dir, uid, gid);
    }
    const [initCmd, initArgs] = run([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres"]);
    execFileSync(initCmd, initArgs, { stdio: "pipe" });
    const port = await freePort();
    const [pgCmd, pgArgs] = run([
      join(bin, "postgres"),
      ...["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
    ]);
    child = spawn(pgCmd, pgArgs, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    let spawnError;
    exited = new Promise((r) => {
      child.once("exit", r);
      child.once("error", (err) => {
        spawnError = err;
        r();
      });
    });
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const { default: pg } = await import("pg");
    for (let i = 0; ; i++) {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited: ${stderr}`);
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query("SELECT 1");
        await client.end();
        pid = postmasterPid() ?? child.pid;
        break;
      } catch (err) {
        await client.end().catch(() => {});
        if (i >= 300) throw new Error(`postgres not accepting connections after 30 s: ${err.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// A PostgresSaver on a throwaway PostgreSQL ({ saver, close }), or { reason } it is not measured.
async function openPostgres() {
  const bin = postgresBin();
  if (!bin) return { reason: "PostgreSQL not installed" };
  let PostgresSaver;
  let pg;
  try {
    ({ PostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres"));
    ({ default: pg } = await import("pg"));
  } catch {
    return { reason: "@langchain/langgraph-checkpoint-postgres or pg not installed" };
  }
  let pgServer;
  try {
    pgServer = await startPostgres(bin);
  } catch (err) {
    return { reason: `PostgreSQL did not start: ${String(err.message).split("\n")[0]}` };
  }
  // fromConnString's pool, built here to listen for "error": pool.end() resolves before its
  // idle sockets close, and the server's shutdown notice would be an unhandled 'error' event.
  const pool = new pg.Pool({ connectionString: pgServer.url });
  pool.on("error", () => {});
  const saver = new PostgresSaver(pool);
  const close = async () => {
    await saver.end().catch(() => {});
    await pgServer.stop();
  };
  try {
    await saver.setup();
  } catch (err) {
    await close();
    throw err;
  }
  return { saver, close };
}

// On Ctrl-C / SIGTERM exit normally, so the "exit" handlers stop the servers started here.
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));
let url = process.argv[2];
let server;
if (!url) {
  const port = await freePort();
  server = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  process.once("exit", () => server.kill());
  await new Promise((r) => setTimeout(r, 300));
  url = `redis://127.0.0.1:${port}`;
}
const manager = createMemoryManager({ redis: url, keyPrefix: `lgbench${process.pid}` });
let postgres = {};
try {
  postgres = await openPostgres();
  const savers = [
    ["ConvmemSaver", new ConvmemSaver({ manager })],
    ["MemorySaver", new MemorySaver()],
    ["PostgresSaver", postgres.saver],
  ];
  const cases = [];
  for (const [name, saver] of savers)
    for (const n of [10, 1000]) cases.push({ name, n, run: saver && (await prepare(saver, n)), times: [] });
  // Rounds interleaved across the six threads, so load and warm-up fall on all of them alike.
  for (let i = 0; i < rounds; i++) for (const c of cases) if (c.run) c.times.push(await c.run());
  console.log(
    `| graph invoke (3 nodes, 4 checkpoints), ${rounds} rounds | p50 ms | p95 ms |\n| --- | --- | --- |`,
  );
  const p50 = {};
  for (const c of cases) {
    const label = `${c.name}, thread of ${c.n.toLocaleString("en-US")} checkpoints`;
    if (!c.run) {
      const text = `not measured (${postgres.reason})`;
      console.log(`| ${label} | ${text} | ${text} |`);
      continue;
    }
    const r = stats(c.times);
    p50[`${c.name}${c.n}`] = r.p50;
    console.log(`| ${label} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} |`);
  }
  const ratio = p50.ConvmemSaver1000 / p50.ConvmemSaver10;
  console.log(`ConvmemSaver 1,000 vs 10 checkpoints: ${ratio.toFixed(2)}x (target <= 1.2x)`);
  for (const n of [10, 1000]) {
    const x = p50[`PostgresSaver${n}`] / p50[`ConvmemSaver${n}`];
    const at = n.toLocaleString("en-US");
    if (postgres.saver)
      console.log(`PostgresSaver / ConvmemSaver p50 at ${at}: ${x.toFixed(2)}x (target >= 2x)`);
    else console.log(`PostgresSaver / ConvmemSaver at ${at}: not measured (${postgres.reason})`);
  }
} finally {
  await postgres.close?.();
  await manager.close();
  if (server) process.kill(server.pid);
}

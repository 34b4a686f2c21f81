// Where Redis spends the realistic turn (bench/turn.mjs), command by command: the convmem turn
// and the hand-written one, each in batches of 10,000 turns (200 in flight by default, a ring
// of 50,000 conversations, after one warm-up lap), with `INFO commandstats` reset before each
// batch and `INFO cpu` / `process.cpuUsage` around it. Prints per turn: turns/s, Redis and node
// CPU, and every command's calls and µs (commands run inside a script or function are counted
// on their own line and inside the script's). Not part of `npm run bench` (about a minute).
// Usage: node bench/turn-profile.mjs [in flight] [ring]   (needs a built dist/ and redis-server)
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";
import { startRedisServer } from "../examples/demo-support.mjs";
import { redisCpuSeconds } from "./harness.mjs";
import { convmemTurn, handWritten } from "./turn.mjs";

const inFlight = Number(process.argv[2] ?? 200);
const ring = Number(process.argv[3] ?? 50_000);
const BATCH = 10_000;
const ROUNDS = 4;

const server = await startRedisServer();
if (!server) throw new Error("bench/turn-profile.mjs needs redis-server on PATH");
const admin = createClient({ url: server.url });
await admin.connect();
const client = createClient({ url: server.url, commandOptions: { timeout: 0 } });
await client.connect();
const manager = createMemoryManager({ redis: server.url, keyPrefix: "profile", defaultTtl: 3600 });
const variants = { hand_written: await handWritten(client, "profile-raw"), convmem: convmemTurn(manager) };

const commandStats = async () => {
  const out = {};
  for (const m of (await admin.info("commandstats")).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    out[m[1]] = [Number(m[2]), Number(m[3])];
  }
  return out;
};
const next = Object.fromEntries(Object.keys(variants).map((name) => [name, 0]));
async function run(name, turns) {
  let i = next[name];
  const end = i + turns;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (i < end) {
        const n = i++;
        await variants[name](`c${n % ring}`, `t${n}`);
      }
    }),
  );
  next[name] = end;
}

try {
  for (const name of Object.keys(variants)) await run(name, ring + BATCH);
  const totals = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of Object.keys(variants)) {
      await admin.configResetStat();
      const redis0 = await redisCpuSeconds(admin);
      const node0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await run(name, BATCH);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const node = process.cpuUsage(node0);
      const redis = ((await redisCpuSeconds(admin)) - redis0) * 1e6;
      const stats = await commandStats();
      totals[name] ??= { seconds: 0, redis: 0, node: 0, turns: 0, commands: {} };
      const t = totals[name];
      t.seconds += seconds;
      t.redis += redis;
      t.node += node.user + node.system;
      t.turns += BATCH;
      for (const [command, [calls, usec]] of Object.entries(stats)) {
        if (command === "info" || command.startsWith("config")) continue;
        t.commands[command] ??= [0, 0];
        const c = t.commands[command];
        c[0] += calls;
        c[1] += usec;
      }
    }
  }
  console.log(`${inFlight} in flight, a ring of ${ring} conversations, ${ROUNDS} × ${BATCH} turns each`);
  for (const [name, t] of Object.entries(totals)) {
    console.log(
      `${name}: ${Math.round(t.turns / t.seconds)} turns/s, Redis CPU ${(t.redis / t.turns).toFixed(1)} µs/turn, node CPU ${(t.node / t.turns).toFixed(1)} µs/turn`,
    );
    const rows = Object.entries(t.commands).sort((a, b) => b[1][1] - a[1][1]);
    for (const [command, [calls, usec]] of rows) {
      console.log(
        `  ${command.padEnd(10)} ${(calls / t.turns).toFixed(2).padStart(6)} calls/turn ${(usec / calls).toFixed(2).padStart(7)} µs/call ${(usec / t.turns).toFixed(1).padStart(7)} µs/turn`,
      );
    }
  }
} finally {
  await manager.close();
  await client.quit();
  await admin.quit();
  await server.stop();
}

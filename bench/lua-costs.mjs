// What each piece of a script costs Redis, in instructions (not part of `npm run bench`): starts
// its own redis-server under valgrind's callgrind (instrumentation off), and for each probe runs
// a warm-up, then 2,000 calls (20 in flight) with instrumentation on, and prints Redis's
// instructions per call — the whole call: reading the command, running it, writing the reply.
// Instruction counts do not move with this VM's speed, so a difference of a few percent is
// real. Probes: FCALLs of small functions (argument counts, one command each) and the
// hand-written add as EVALSHA and as FCALL; then convmem's own calls (dist/), so a change to the
// Lua can be measured against these floors.
// Usage: npm run build && node bench/lua-costs.mjs [probe…]   (needs valgrind and redis-server)
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";

const N = 2000;
const IN_FLIGHT = 20;
const CONVERSATIONS = 500;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

try {
  execFileSync("valgrind", ["--version"], { stdio: "ignore" });
} catch {
  throw new Error("bench/lua-costs.mjs needs valgrind (apt-get install valgrind)");
}
const dir = mkdtempSync(join(tmpdir(), "convmem-cg-"));
const port = await freePort();
const server = spawn(
  "valgrind",
  [
    "--tool=callgrind",
    "--instr-atstart=no",
    `--callgrind-out-file=${join(dir, "cg.out")}`,
    "redis-server",
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    "no",
  ],
  { stdio: "ignore" },
);
const url = `redis://127.0.0.1:${port}`;
const answers = () =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.end(() => resolve(true))).on("error", () => resolve(false));
  });
for (let i = 0; !(await answers()); i++) {
  if (i > 150) throw new Error("redis-server under valgrind did not start");
  await new Promise((r) => setTimeout(r, 200));
}
const client = createClient({ url, commandOptions: { timeout: 0 } });
await client.connect();
const control = (...args) =>
  execFileSync("callgrind_control", [...args, String(server.pid)], { stdio: "ignore" });

/** Instructions per call of `op(i)`, after a warm-up of `warm` calls. */
async function measure(op, warm = 1000) {
  for (let i = 0; i < warm; i++) await op(i + 10_000_000);
  control("-z");
  control("-i", "on");
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, k) => {
      for (let i = k; i < N; i += IN_FLIGHT) await op(i);
    }),
  );
  for (const f of readdirSync(dir)) if (f !== "cg.out") rmSync(join(dir, f));
  control("-d");
  control("-i", "off");
  const dump = readdirSync(dir).find((f) => f !== "cg.out");
  const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, dump), "utf8"));
  return Math.round(Number(totals?.[1] ?? Number.NaN) / N);
}

const ADD = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
local n = redis.call('RPUSH', KEYS[1], ARGV[2])
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return n`;
const addSha = await client.scriptLoad(ADD);
await client.sendCommand([
  "FUNCTION",
  "LOAD",
  "REPLACE",
  `#!lua name=luacosts
redis.register_function('empty', function(keys, args) return 1 end)
redis.register_function('hand_add', function(KEYS, ARGV)${ADD} end)
redis.register_function('time', function(keys, args) redis.call('TIME') return 1 end)
redis.register_function('pttl', function(keys, args) redis.call('PTTL', keys[1]) return 1 end)
redis.register_function('hget', function(keys, args) redis.call('HGET', keys[1], 'c') return 1 end)
redis.register_function('hmget5', function(keys, args)
  redis.call('HMGET', keys[1], 'c', 'f:messages', 's:messages', 'k', 'p') return 1 end)
redis.register_function('hset1', function(keys, args) redis.call('HSET', keys[1], 'p', '0') return 1 end)
redis.register_function('hset3', function(keys, args)
  redis.call('HSET', keys[1], 'p', '0', 'c', args[1], 's:messages', '1234') return 1 end)
`,
]);
const message = JSON.stringify({
  id: "m1:in",
  role: "user",
  content: "What is the weather like tomorrow in Lisbon?",
  timestamp: Date.now(),
  metadata: { channel: "sms" },
});
const conv = (i) => `c${i % CONVERSATIONS}`;
const handKeys = (i) => ["messages", "ids", "prefs", "stats"].map((p) => `h:{${conv(i)}}:${p}`);
const meta = (i) => `h:{${conv(i % 10)}}:meta`;
for (let i = 0; i < 10; i++) {
  await client.hSet(meta(i), {
    c: "x".repeat(48),
    "f:messages": "c",
    "s:messages": "1234",
    k: "1\nmessages\n",
    p: "0",
  });
}
const fcall = (name, keys, args) =>
  client.sendCommand(["FCALL", name, String(keys.length), ...keys, ...args]);
const eleven = (i) => [
  ...handKeys(i),
  "convmem:conv:{c1}:",
  "3600",
  "messages",
  `"m${i}"`,
  message.slice(0, 60),
  message.slice(60),
  "",
];

const manager = createMemoryManager({ redis: url, defaultTtl: 3600, keyPrefix: "cg" });
const memory = (i) => manager.getMemory(conv(i));
const EMPTY_STATS = { message_count: 0, recent_ids: [] };
let fresh = 0;
const probes = {
  ping: () => client.sendCommand(["PING"]),
  fcall_empty_0_args: () => fcall("empty", [], []),
  fcall_empty_4_keys: (i) => fcall("empty", handKeys(i), []),
  fcall_empty_4_keys_7_args: (i) => fcall("empty", eleven(i).slice(0, 4), eleven(i).slice(4)),
  fcall_time: () => fcall("time", [], []),
  fcall_pttl: (i) => fcall("pttl", [handKeys(i)[0]], []),
  fcall_hget_1_field: (i) => fcall("hget", [meta(i)], []),
  fcall_hmget_5_fields: (i) => fcall("hmget5", [meta(i)], []),
  fcall_hset_1_pair: (i) => fcall("hset1", [meta(i)], []),
  fcall_hset_3_pairs: (i) => fcall("hset3", [meta(i)], ["y".repeat(48)]),
  hand_add_evalsha: (i) =>
    client.evalSha(addSha, { keys: handKeys(i), arguments: [`m${i}`, message, "3600000"] }),
  hand_add_fcall: (i) => fcall("hand_add", handKeys(i), [`f${i}`, message, "3600000"]),
  convmem_addMessage: (i) =>
    memory(i).addMessage(
      "user",
      "What is the weather like tomorrow in Lisbon?",
      { channel: "sms" },
      { id: `m${i}:in` },
    ),
  convmem_addMessage_new_conversation: () =>
    manager.getMemory(`new-${fresh++}`).addMessage("user", "What is the weather like?", {}, { id: "m:in" }),
  convmem_get: (i) => memory(i).get("user_preferences", {}),
  convmem_set: (i) => memory(i).set("prefs", { language: "en", n: i }),
  convmem_modify: (i) =>
    memory(i).modify("stats", (s) => ({ message_count: s.message_count + 1, recent_ids: [`t${i}`] }), {
      fallback: EMPTY_STATS,
    }),
};
const wanted = process.argv.slice(2);
try {
  console.log(`Redis instructions per call (callgrind; ${N} calls, ${IN_FLIGHT} in flight, after a warm-up)`);
  for (const [name, op] of Object.entries(probes)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    console.log(`  ${name.padEnd(38)} ${String(await measure(op)).padStart(8)}`);
  }
} finally {
  await manager.close();
  await client.quit().catch(() => {});
  server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

// The realistic agent turn (issue 13), fixed: the demo's SMS assistant turn, awaited step by
// step as SMSAssistantAgent.process() does, each turn on the next conversation of a ring —
// 1,000 conversations at 1 in flight, 50,000 at 200 concurrent — so a conversation is touched
// once per lap, as real traffic touches it once per turn:
//   addMessage("user", text, { channel: "sms" }, { id: `${msgId}:in` })
//   get("user_preferences", DEFAULT_PREFS)
//   getMessages({ limit: 5 })
//   addMessage("assistant", reply, {}, { id: `${msgId}:out` })
//   modify("conversation_stats", countIfNew(msgId), { fallback: EMPTY_STATS })
// Against the best hand-written code with the same guarantees on the same `redis` client
// (`timeout: 0`): one Lua script per idempotent add (SADD of the id, RPUSH, PEXPIRE of every key
// of the conversation so it expires as a unit), GET, LRANGE -5 -1, and GET + a compare-and-set
// script for the stats. Both: 6 round trips per turn. convmem runs twice: as Redis 7 Functions
// (the default) and as EVAL/EVALSHA scripts (its fallback where FUNCTION LOAD is refused; here a
// user without +fcall +function|load).
// Each concurrency is measured twice: first on conversations that have had no turn yet (the
// rounds are over before the first lap of the ring is, so every measured turn is a
// conversation's first, whose first addMessage creates it), then, after the rest of that lap
// has run untimed, on conversations having their next turn a lap later — seconds apart, the
// shape of real traffic — which is the headline figure. Standalone: `node bench/turn.mjs` (needs a built dist/
// and redis-server on PATH); in the suite: `--only turn`.
import { createClient } from "redis";
import { createMemoryManager } from "../dist/index.js";
import { compareInterleaved, compareThroughput } from "./harness.mjs";

const DEFAULT_PREFS = { language: "auto", response_length: "medium" };
const EMPTY_STATS = { message_count: 0, replies_short: 0, recent_ids: [] };
const TTL_SECONDS = 3600;
const TEXT = "What is the weather like tomorrow in Lisbon?";
const REPLY = "Sunny, 21°C with a light breeze.";

/** The stats update of the demo: count a message id once, keep the last 50 ids. */
const countIfNew = (id) => (s) =>
  s.recent_ids.includes(id)
    ? s
    : {
        message_count: s.message_count + 1,
        replies_short: s.replies_short,
        recent_ids: [...s.recent_ids, id].slice(-50),
      };

// KEYS: messages, message ids, prefs, stats. ARGV: id, message JSON, TTL ms.
const ADD = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
local n = redis.call('RPUSH', KEYS[1], ARGV[2])
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return n`;
// KEYS: stats, messages, message ids, prefs. ARGV: expected JSON ('' = missing), new JSON, TTL ms.
const CAS = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return { 0, cur } end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for i = 2, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return { 1 }`;

/** The hand-written turn on `client`, conversations `<prefix>:<n>`. */
export async function handWritten(client, prefix) {
  const addSha = await client.scriptLoad(ADD);
  const casSha = await client.scriptLoad(CAS);
  const ttlMs = String(TTL_SECONDS * 1000);
  return async (conv, msgId) => {
    const k = (part) => `${prefix}:{${conv}}:${part}`;
    const keys = [k("messages"), k("ids"), k("prefs"), k("stats")];
    const message = (id, role, content, metadata) =>
      JSON.stringify({ id, role, content, timestamp: Date.now(), metadata });
    const inId = `${msgId}:in`;
    await client.evalSha(addSha, {
      keys,
      arguments: [inId, message(inId, "user", TEXT, { channel: "sms" }), ttlMs],
    });
    const rawPrefs = await client.get(keys[2]);
    const prefs = rawPrefs === null ? DEFAULT_PREFS : JSON.parse(rawPrefs);
    const history = (await client.lRange(keys[0], -5, -1)).map((m) => JSON.parse(m));
    if (!prefs || history.length === 0) throw new Error("hand-written turn read nothing");
    const outId = `${msgId}:out`;
    await client.evalSha(addSha, { keys, arguments: [outId, message(outId, "assistant", REPLY, {}), ttlMs] });
    let raw = await client.get(keys[3]);
    const statsKeys = [keys[3], keys[0], keys[1], keys[2]];
    for (;;) {
      const next = JSON.stringify(countIfNew(msgId)(raw === null ? EMPTY_STATS : JSON.parse(raw)));
      const [ok, current] = await client.evalSha(casSha, {
        keys: statsKeys,
        arguments: [raw ?? "", next, ttlMs],
      });
      if (ok === 1) return;
      raw = current ?? null;
    }
  };
}

/** The convmem turn on `manager` (also bench/compare-builds.mjs). */
export function convmemTurn(manager) {
  return async (conv, msgId) => {
    const memory = manager.getMemory(conv);
    await memory.addMessage("user", TEXT, { channel: "sms" }, { id: `${msgId}:in` });
    const prefs = await memory.get("user_preferences", DEFAULT_PREFS);
    const history = await memory.getMessages({ limit: 5 });
    if (!prefs || history.length === 0) throw new Error("convmem turn read nothing");
    await memory.addMessage("assistant", REPLY, {}, { id: `${msgId}:out` });
    await memory.modify("conversation_stats", countIfNew(msgId), { fallback: EMPTY_STATS });
  };
}

/**
 * `turn(conv, msgId)` on the next conversation of a ring of `ring`, a fresh message id each turn.
 * Its `finishLap(concurrency)` runs, untimed, the turns left in the current lap (a whole lap when
 * none has run), `concurrency` at a time, so every conversation has had its turn.
 */
function onRing(name, ring, turn) {
  let n = 0;
  const next = () => {
    const i = n++;
    return turn(`${name}-${i % ring}`, `t${i}`);
  };
  next.finishLap = async (concurrency) => {
    const end = Math.max(ring, Math.ceil(n / ring) * ring);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (n < end) await next();
      }),
    );
  };
  return next;
}

/** Runs `measure(impls)` on conversations' first turns, finishes the lap, then measures again. */
async function coldThenWarm(impls, concurrency, measure) {
  const cold = await measure(impls);
  for (const turn of Object.values(impls)) await turn.finishLap(concurrency);
  return { cold, warm: await measure(impls) };
}

export async function runTurn({ url, admin, log }) {
  const run = Date.now().toString(36);
  const manager = createMemoryManager({ redis: url, keyPrefix: `turn-${run}`, defaultTtl: TTL_SECONDS });
  // The script fallback: a user that may not load or call Functions.
  const user = `bench-scripts-${run}`;
  await admin.sendCommand([
    "ACL",
    "SETUSER",
    user,
    "on",
    ">bench",
    "~*",
    "+@all",
    "-fcall",
    "-function|load",
  ]);
  const scriptsUrl = url.replace("redis://", `redis://${user}:bench@`);
  const scripts = createMemoryManager({
    redis: scriptsUrl,
    keyPrefix: `turns-${run}`,
    defaultTtl: TTL_SECONDS,
  });
  const client = createClient({ url, commandOptions: { timeout: 0 } });
  await client.connect();
  const hand = await handWritten(client, `turnraw-${run}`);
  const mine = convmemTurn(manager);
  const mineScripts = convmemTurn(scripts);
  const out = [];
  try {
    const one = await coldThenWarm(
      {
        convmem: onRing("c1", 1000, mine),
        convmem_scripts: onRing("s1", 1000, mineScripts),
        hand_written: onRing("h1", 1000, hand),
      },
      1,
      (impls) => compareInterleaved(impls),
    );
    const many = await coldThenWarm(
      {
        convmem: onRing("c200", 50_000, mine),
        convmem_scripts: onRing("s200", 50_000, mineScripts),
        hand_written: onRing("h200", 50_000, hand),
      },
      200,
      (impls) => compareThroughput(admin, impls, { concurrency: 200 }),
    );
    for (const [concurrency, both, target] of [
      [1, one, 0.9],
      [200, many, 0.8],
    ]) {
      const vsOf = (r, name) => +(r[name].opsPerSec / r.hand_written.opsPerSec).toFixed(2);
      const roundsOf = (r) => r.convmem.rounds.map((x, k) => +(x / r.hand_written.rounds[k]).toFixed(2));
      const r = both.warm;
      const c = both.cold;
      const vs = (name) => vsOf(r, name);
      const ratio = vs("convmem");
      const roundRatios = roundsOf(r);
      out.push({
        concurrency,
        ring: concurrency === 1 ? 1000 : 50_000,
        convmem_turns_s: r.convmem.opsPerSec,
        convmem_scripts_turns_s: r.convmem_scripts.opsPerSec,
        hand_written_turns_s: r.hand_written.opsPerSec,
        ratio,
        scripts_ratio: vs("convmem_scripts"),
        round_ratios: roundRatios,
        convmem_node_cpu_us: r.convmem.nodeCpuUsPerOp,
        convmem_scripts_node_cpu_us: r.convmem_scripts.nodeCpuUsPerOp,
        hand_written_node_cpu_us: r.hand_written.nodeCpuUsPerOp,
        convmem_redis_cpu_us: r.convmem.redisCpuUsPerOp,
        convmem_scripts_redis_cpu_us: r.convmem_scripts.redisCpuUsPerOp,
        hand_written_redis_cpu_us: r.hand_written.redisCpuUsPerOp,
        round_trips_per_turn: { convmem: 6, hand_written: 6 },
        target,
        met: ratio >= target,
        first_turns: {
          convmem_turns_s: c.convmem.opsPerSec,
          convmem_scripts_turns_s: c.convmem_scripts.opsPerSec,
          hand_written_turns_s: c.hand_written.opsPerSec,
          ratio: vsOf(c, "convmem"),
          scripts_ratio: vsOf(c, "convmem_scripts"),
          round_ratios: roundsOf(c),
          convmem_node_cpu_us: c.convmem.nodeCpuUsPerOp,
          hand_written_node_cpu_us: c.hand_written.nodeCpuUsPerOp,
          convmem_redis_cpu_us: c.convmem.redisCpuUsPerOp,
          hand_written_redis_cpu_us: c.hand_written.redisCpuUsPerOp,
        },
      });
      const cpu =
        concurrency === 1
          ? ""
          : `; node CPU ${r.convmem.nodeCpuUsPerOp} (scripts ${r.convmem_scripts.nodeCpuUsPerOp}) vs ${r.hand_written.nodeCpuUsPerOp} µs/turn, Redis CPU ${r.convmem.redisCpuUsPerOp} (scripts ${r.convmem_scripts.redisCpuUsPerOp}) vs ${r.hand_written.redisCpuUsPerOp} µs/turn`;
      const coldCpu =
        concurrency === 1
          ? ""
          : `; Redis CPU ${c.convmem.redisCpuUsPerOp} vs ${c.hand_written.redisCpuUsPerOp} µs/turn`;
      log(
        `  ${concurrency} in flight, first turns: convmem ${c.convmem.opsPerSec} (scripts ${c.convmem_scripts.opsPerSec}) vs hand-written ${c.hand_written.opsPerSec} turns/s -> ${vsOf(c, "convmem")} (scripts ${vsOf(c, "convmem_scripts")}; rounds ${roundsOf(c).join(", ")})${coldCpu}`,
      );
      log(
        `  ${concurrency} in flight, a lap later: convmem ${r.convmem.opsPerSec} (scripts ${r.convmem_scripts.opsPerSec}) vs hand-written ${r.hand_written.opsPerSec} turns/s -> ${ratio} (scripts ${vs("convmem_scripts")}; rounds ${roundRatios.join(", ")})${cpu}`,
      );
    }
  } finally {
    await manager.close();
    await scripts.close();
    await client.quit();
    await admin.sendCommand(["ACL", "DELUSER", user]);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startRedisServer } = await import("../examples/demo-support.mjs");
  const server = await startRedisServer();
  if (!server) throw new Error("bench/turn.mjs needs redis-server on PATH");
  const admin = createClient({ url: server.url, commandOptions: { timeout: 0 } });
  await admin.connect();
  try {
    await runTurn({ url: server.url, admin, log: (s) => console.log(s) });
  } finally {
    await admin.quit();
    await server.stop();
  }
}

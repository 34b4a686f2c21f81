// Profile measurements behind the findings in BENCHMARKS.md (not targets):
// - Redis CPU per command: INFO commandstats while convmem runs each operation (200 in flight,
//   1,000 conversations): the share of calls that ran a script (EVALSHA/EVAL) and its
//   usec_per_call, and the fast path's plain command (calls per operation, usec_per_call), vs
//   SET/GET/RPUSH/INCR while the raw client runs the same work.
// - Lua overhead alone: EVALSHA of a one-line script that only does GET (or SET), vs plain
//   GET (SET), raw client, 1 and 200 in flight.
// - Client share: a no-op "operation" (an already resolved promise) through the same loop,
//   to size the harness itself.
import { compareThroughput } from "./harness.mjs";

async function commandStats(admin) {
  const info = await admin.info("commandstats");
  const out = {};
  for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+),usec_per_call=([0-9.]+)/g)) {
    out[m[1]] = { calls: Number(m[2]), usecPerCall: Number(m[4]) };
  }
  return out;
}

function inside(stats) {
  const n = stats.evalsha?.calls ?? 0;
  if (!n) return {};
  const out = {};
  let usec = 0;
  for (const [cmd, { calls, usecPerCall }] of Object.entries(stats)) {
    if (cmd === "evalsha" || cmd === "config" || cmd === "info" || cmd === "ops") continue;
    out[cmd] = +(calls / n).toFixed(2);
    usec += calls * usecPerCall;
  }
  out.usec_in_commands = +(usec / n).toFixed(2);
  return out;
}

async function statsWhile(admin, ms, concurrency, op) {
  await admin.configResetStat();
  let next = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await op(next++);
    }),
  );
  const stats = await commandStats(admin);
  stats.ops = next;
  return stats;
}

export async function runProfile({ admin, manager, log }) {
  const mems = Array.from({ length: 1000 }, (_, i) => manager.getMemory(`ops-${i}`));
  const content = "Where is my parcel? It was due yesterday.";
  const cases = {
    set: [
      (i) => mems[i % 1000].set("prefs", { n: i }),
      (i) => admin.set(`rawops:${i % 1000}:prefs`, `{"n":${i}}`),
      "set",
      "set",
    ],
    get: [(i) => mems[i % 1000].get("prefs"), (i) => admin.get(`rawops:${i % 1000}:prefs`), "get", "get"],
    append: [
      (i) => mems[i % 1000].append("events", { n: i }),
      (i) => admin.rPush(`rawops:${i % 1000}:events`, `{"n":${i}}`),
      "rpush",
      "rpushx",
    ],
    addMessage: [
      (i) => mems[i % 1000].addMessage("user", content),
      (i) => admin.rPush(`rawops:${i % 1000}:messages`, content),
      "rpush",
      "rpushx",
    ],
    getMessages10: [
      (i) => mems[i % 1000].getMessages({ limit: 10 }),
      (i) => admin.lRange(`rawops:${i % 1000}:messages`, -10, -1),
      "lrange",
      "lrange",
    ],
    incr: [
      (i) => mems[i % 1000].incr("count"),
      (i) => admin.incr(`rawops:${i % 1000}:count`),
      "incr",
      "incrby",
    ],
  };
  const redisUsecPerCall = {};
  for (const [name, [convmem, raw, cmd, fast]] of Object.entries(cases)) {
    const c = await statsWhile(admin, 300, 200, convmem);
    const r = await statsWhile(admin, 300, 200, raw);
    const scripts = (c.evalsha?.calls ?? 0) + (c.eval?.calls ?? 0);
    redisUsecPerCall[name] = {
      scripts_per_op: +(scripts / c.ops).toFixed(4),
      script_usec_per_call: c.evalsha?.usecPerCall ?? c.eval?.usecPerCall ?? null,
      fast_command: fast,
      // Counted by Redis together with the same command run inside scripts (a small share).
      fast_calls_per_op: +((c[fast]?.calls ?? 0) / c.ops).toFixed(3),
      fast_usec_per_call: c[fast]?.usecPerCall ?? null,
      raw: r[cmd]?.usecPerCall ?? null,
      raw_command: cmd,
      // Commands the scripts ran (Redis counts redis.call()s in commandstats too), per script.
      inside_script: inside(c),
    };
    const p = redisUsecPerCall[name];
    log(
      `  redis ${name.padEnd(14)} scripts/op ${p.scripts_per_op} (${p.script_usec_per_call} usec each), ${fast}/op ${p.fast_calls_per_op} (${p.fast_usec_per_call} usec), raw ${cmd} ${p.raw} usec`,
    );
  }

  const getSha = await admin.scriptLoad("return redis.call('GET', KEYS[1])");
  const setSha = await admin.scriptLoad("return redis.call('SET', KEYS[1], ARGV[1])");
  const lua = {};
  for (const concurrency of [1, 200]) {
    const g = await compareThroughput(
      admin,
      {
        get: (i) => admin.get(`rawops:${i % 1000}:prefs`),
        evalshaGet: (i) => admin.evalSha(getSha, { keys: [`rawops:${i % 1000}:prefs`] }),
        set: (i) => admin.set(`rawops:${i % 1000}:lua`, "x"),
        evalshaSet: (i) => admin.evalSha(setSha, { keys: [`rawops:${i % 1000}:lua`], arguments: ["x"] }),
        noop: () => Promise.resolve(),
      },
      { concurrency },
    );
    lua[concurrency] = {
      get_ops_s: g.get.opsPerSec,
      evalsha_get_ops_s: g.evalshaGet.opsPerSec,
      evalsha_get_ratio: +(g.evalshaGet.opsPerSec / g.get.opsPerSec).toFixed(2),
      set_ops_s: g.set.opsPerSec,
      evalsha_set_ops_s: g.evalshaSet.opsPerSec,
      evalsha_set_ratio: +(g.evalshaSet.opsPerSec / g.set.opsPerSec).toFixed(2),
      redis_cpu_us_per_op: { get: g.get.redisCpuUsPerOp, evalshaGet: g.evalshaGet.redisCpuUsPerOp },
      node_cpu_us_per_op: { get: g.get.nodeCpuUsPerOp, evalshaGet: g.evalshaGet.nodeCpuUsPerOp },
      harness_noop_ops_s: g.noop.opsPerSec,
    };
    log(`  lua ${String(concurrency).padStart(3)} in flight: ${JSON.stringify(lua[concurrency])}`);
  }
  const stats = await statsWhile(admin, 200, 200, (i) =>
    admin.evalSha(getSha, { keys: [`rawops:${i % 1000}:prefs`] }),
  );
  const trivial = await statsWhile(admin, 200, 200, (i) => admin.get(`rawops:${i % 1000}:prefs`));
  return {
    redisUsecPerCall,
    lua,
    trivialScriptUsecPerCall: {
      evalsha_get: stats.evalsha?.usecPerCall ?? null,
      get: trivial.get?.usecPerCall ?? null,
    },
  };
}

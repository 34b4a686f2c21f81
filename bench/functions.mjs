// Redis 7 Functions vs the script fallback (the suite's profile section): Redis
// CPU per call (INFO cpu, 200 in flight, 0.7 s each, two rounds) of the same operations —
// get, range (slice(-5)), set, addmsg — as FCALL of the library and as EVALSHA of the
// fallback scripts, on 2,000 conversations. It drives the shipped library directly with the
// key and argument layout of script-runner.ts (an internal layout, not an API).
// Standalone: npm run build && node bench/functions.mjs
import { createClient } from "redis";
import { loadScripts } from "../dist/store/redis/scripts.js";
import { startRedisServer } from "../examples/demo-support.mjs";
import { redisCpuSeconds } from "./harness.mjs";

/** Redis CPU per call of each operation as FCALL and as EVALSHA; rows { op, fcall_us, evalsha_us, saved }. */
export async function runFunctions({ url, log }) {
  const { library, ops } = loadScripts();
  const c = createClient({ url, commandOptions: { timeout: 0 } });
  await c.connect();
  try {
    await c.sendCommand(["FUNCTION", "LOAD", "REPLACE", library.source]);
    for (const op of Object.values(ops)) await c.scriptLoad(op.source);
    let seq = 0;
    const run = Date.now().toString(36);
    const keys = (i, field) => [
      `fb${run}:meta:{c${i}}`,
      `fb${run}:mids:{c${i}}`,
      `fb${run}:reg:{x}`,
      `fb${run}:conv:{c${i}}:${field}`,
    ];
    const base = (i) => `fb${run}:conv:{c${i}}:`;
    const message = (id) => [
      JSON.stringify(id),
      `{"id":${JSON.stringify(id)},"role":"user","content":"What is the weather like tomorrow in Lisbon?","timestamp":`,
      ',"metadata":{"channel":"sms"}}',
      "",
    ];
    // [keys, args] as script-runner.ts lays them out (2-key reads: meta, field key; field name).
    const cases = {
      get: (i) => [[keys(i, "prefs")[0], keys(i, "prefs")[3]], ["prefs"]],
      range: (i) => [
        [keys(i, "messages")[0], keys(i, "messages")[3]],
        ["messages", "-5", ""],
      ],
      set: (i) => [
        keys(i, "stats"),
        [base(i), "3600", "stats", "", "s", '{"message_count":3,"recent_ids":["a","b"]}'],
      ],
      addmsg: (i) => [keys(i, "messages"), [base(i), "3600", "messages", ...message(`m${seq++}`)]],
    };
    const out = {};
    for (let round = 0; round < 2; round++) {
      for (const [name, make] of Object.entries(cases)) {
        for (const form of ["fcall", "evalsha"]) {
          let n = 0;
          const cpu0 = await redisCpuSeconds(c);
          const end = performance.now() + 700;
          await Promise.all(
            Array.from({ length: 200 }, async () => {
              while (performance.now() < end) {
                const [k, a] = make(n++ % 2000);
                const head = form === "fcall" ? ["FCALL", ops[name].fn] : ["EVALSHA", ops[name].sha];
                await c.sendCommand([...head, String(k.length), ...k, ...a]);
              }
            }),
          );
          const us = (((await redisCpuSeconds(c)) - cpu0) * 1e6) / n;
          out[name] ??= { fcall: [], evalsha: [] };
          out[name][form].push(+us.toFixed(2));
        }
      }
    }
    const rows = [];
    for (const [op, r] of Object.entries(out)) {
      const f = Math.min(...r.fcall);
      const e = Math.min(...r.evalsha);
      rows.push({ op, fcall_us: f, evalsha_us: e, saved: +(1 - f / e).toFixed(2) });
      log(
        `  ${op.padEnd(7)} FCALL ${f} µs, EVALSHA ${e} µs per call (${Math.round((1 - f / e) * 100)}% less)`,
      );
    }
    return rows;
  } finally {
    await c.quit();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startRedisServer();
  if (!server) throw new Error("bench/functions.mjs needs redis-server on PATH");
  try {
    await runFunctions({ url: server.url, log: (s) => console.log(s) });
  } finally {
    await server.stop();
  }
}

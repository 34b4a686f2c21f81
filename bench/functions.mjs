// Redis 7 Functions vs the script fallback (profile tool, not part of `npm run bench`): Redis
// CPU per call (INFO cpu, 200 in flight, 0.7 s each, two rounds) of the same operations —
// get, range (slice(-5)), set, addmsg — as FCALL of the library and as EVALSHA of the
// fallback scripts, on 2,000 conversations. It drives the shipped library directly with the
// key and argument layout of script-runner.ts (an internal layout, not an API).
// Usage: npm run build && node bench/functions.mjs
import { createClient } from "redis";
import { loadScripts } from "../dist/store/redis/scripts.js";
import { startRedisServer } from "../examples/demo-support.mjs";
import { redisCpuSeconds } from "./harness.mjs";

const { library, ops } = loadScripts();
const server = await startRedisServer();
const c = createClient({ url: server.url, commandOptions: { timeout: 0 } });
await c.connect();
await c.sendCommand(["FUNCTION", "LOAD", library.source]);
for (const op of Object.values(ops)) await c.scriptLoad(op.source);
let seq = 0;
const keys = (i, field) => [`b:meta:{c${i}}`, `b:mids:{c${i}}`, "b:reg:{x}", `b:conv:{c${i}}:${field}`];
const base = (i) => `b:conv:{c${i}}:`;
const message = (id) => [
  JSON.stringify(id),
  `{"id":${JSON.stringify(id)},"role":"user","content":"What is the weather like tomorrow in Lisbon?","timestamp":`,
  ',"metadata":{"channel":"sms"}}',
  "",
];
const cases = {
  get: (i) => [keys(i, "prefs"), [base(i), "-1", "prefs"]],
  range: (i) => [keys(i, "messages"), [base(i), "-1", "messages", "-5", ""]],
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
            await c.sendCommand([...head, "4", ...k, ...a]);
          }
        }),
      );
      const us = (((await redisCpuSeconds(c)) - cpu0) * 1e6) / n;
      (out[name] ??= {})[form] = [...(out[name]?.[form] ?? []), +us.toFixed(2)];
    }
  }
}
const table = {};
for (const [name, r] of Object.entries(out)) {
  const f = Math.min(...r.fcall);
  const e = Math.min(...r.evalsha);
  table[name] = { fcall_us: f, evalsha_us: e, saved: `${Math.round((1 - f / e) * 100)}%` };
}
console.log("Redis CPU per call, µs (best of 2 rounds; 200 in flight):");
console.table(table);
await c.quit();
await server.stop();

// Lua prelude cost (profile tool, not part of `npm run bench`): every convmem script is loaded
// with a shared prelude prepended (reads: readlib.lua; writes: readlib.lua + lib.lua), so
// each EVALSHA re-runs that prelude (defines its
// functions and calls TIME). This measures Redis CPU per EVALSHA (INFO commandstats,
// 200 in flight, 1 s each) of: a trivial script, TIME alone, the shipped prelude + `return 1`,
// and the prelude + one GET. It reads dist/store/redis/lua/lib.lua (a shipped file, not an API).
// Usage: npm run build && node bench/lua-prelude.mjs
import { readFileSync } from "node:fs";
import { createClient } from "redis";
import { startRedisServer } from "../examples/demo-support.mjs";

const lua = (name) => readFileSync(new URL(`../dist/store/redis/lua/${name}`, import.meta.url), "utf8");
const readlib = lua("readlib.lua");
const lib = `${readlib}\n${lua("lib.lua")}`; // the write prelude: readlib.lua + lib.lua
const s = await startRedisServer();
const c = createClient({ url: s.url, commandOptions: { timeout: 0 } });
await c.connect();
const scripts = {
  trivial: "return 1",
  time_only: "local t = redis.call('TIME') return 1",
  read_prelude: `${readlib}\nreturn 1`,
  lib_prelude: `${lib}\nreturn 1`,
  lib_prelude_get: `${lib}\nreturn redis.call('GET', KEYS[4])`,
};
const out = {};
for (const [name, body] of Object.entries(scripts)) {
  const sha = await c.scriptLoad(body);
  await c.configResetStat();
  let next = 0;
  const end = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (performance.now() < end) {
        const i = next++ % 1000;
        await c.evalSha(sha, {
          keys: [`m{${i}}`, `i{${i}}`, `r{${i}}`, `f{${i}}`],
          arguments: ["f{x}:", "3600", "prefs"],
        });
      }
    }),
  );
  const info = await c.info("commandstats");
  out[name] = {
    evalsha_usec_per_call: Number(/cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([0-9.]+)/.exec(info)[1]),
    ops_s: Math.round(next),
  };
}
console.table(out);
await c.quit();
await s.stop();

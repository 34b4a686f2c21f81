/**
 * Loads the Lua scripts from `lua/` (each prefixed with the shared `lib.lua`), and runs them
 * by SHA with `EVALSHA`, falling back to `EVAL` (which also caches the script) on NOSCRIPT.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The scripts, each in `lua/<name>-<numkeys>.lua`, with the prelude it is prefixed with:
 * `lib` for conversation scripts, `reglib` for registry-bucket scripts.
 */
export const SCRIPT_NAMES = {
  get: [4, "lib"],
  has: [4, "lib"],
  set: [4, "lib"],
  update: [3, "lib"],
  delete: [4, "lib"],
  incr: [4, "lib"],
  cas: [4, "lib"],
  push: [4, "lib"],
  pop: [4, "lib"],
  insert: [4, "lib"],
  remove: [4, "lib"],
  range: [4, "lib"],
  length: [4, "lib"],
  addmsg: [4, "lib"],
  fields: [3, "lib"],
  setttl: [3, "lib"],
  getttl: [3, "lib"],
  clear: [3, "lib"],
  reginfo: [1, "reglib"],
  regsweep: [1, "reglib"],
} as const;

export type ScriptName = keyof typeof SCRIPT_NAMES;

/** One loaded script. */
export interface Script {
  readonly name: ScriptName;
  readonly numKeys: number;
  readonly source: string;
  readonly sha: string;
}

let cache: Record<ScriptName, Script> | undefined;

/** All scripts, read from disk once per process. */
export function loadScripts(): Record<ScriptName, Script> {
  if (cache) return cache;
  const dir = new URL("./lua/", import.meta.url);
  const read = (file: string) => readFileSync(fileURLToPath(new URL(file, dir)), "utf8");
  const preludes = { lib: read("lib.lua"), reglib: read("reglib.lua") };
  const out = {} as Record<ScriptName, Script>;
  const entries = Object.entries(SCRIPT_NAMES) as Array<[ScriptName, readonly [number, "lib" | "reglib"]]>;
  for (const [name, [numKeys, prelude]] of entries) {
    const source = `${preludes[prelude]}\n${read(`${name}-${numKeys}.lua`)}`;
    out[name] = { name, numKeys, source, sha: createHash("sha1").update(source).digest("hex") };
  }
  cache = out;
  return out;
}

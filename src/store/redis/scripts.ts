/**
 * Loads the Lua scripts from `lua/` (each prefixed with the shared `lib.lua`), and runs them
 * by SHA with `EVALSHA`, falling back to `EVAL` (which also caches the script) on NOSCRIPT.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Names of the scripts, each in `lua/<name>-<numkeys>.lua`. */
export const SCRIPT_NAMES = {
  get: 3,
  has: 3,
  set: 3,
  update: 2,
  delete: 3,
  incr: 3,
  cas: 3,
  push: 3,
  pop: 3,
  insert: 3,
  remove: 3,
  range: 3,
  length: 3,
  addmsg: 3,
  fields: 2,
  setttl: 2,
  getttl: 2,
  clear: 2,
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
  const lib = read("lib.lua");
  const out = {} as Record<ScriptName, Script>;
  for (const [name, numKeys] of Object.entries(SCRIPT_NAMES) as Array<[ScriptName, number]>) {
    const source = `${lib}\n${read(`${name}-${numKeys}.lua`)}`;
    out[name] = { name, numKeys, source, sha: createHash("sha1").update(source).digest("hex") };
  }
  cache = out;
  return out;
}

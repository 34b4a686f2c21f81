/**
 * Loads the Lua scripts from `lua/` (each prefixed with its shared prelude), and runs them
 * by SHA with `EVALSHA`, falling back to `EVAL` (which also caches the script) on NOSCRIPT.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The scripts, each in `lua/<name>-<numkeys>.lua`, with the prelude it is prefixed with:
 * `read` (`readlib.lua`) for reads, `write` (`readlib.lua` + `lib.lua`) for writes, `registry`
 * (`reglib.lua`) for registry-bucket scripts. Preludes are kept apart because Redis runs a
 * script's whole prelude on every call: the read path pays only for what reads need.
 */
export const SCRIPT_NAMES = {
  get: [4, "read"],
  has: [4, "read"],
  set: [4, "write"],
  update: [3, "write"],
  delete: [4, "write"],
  incr: [4, "write"],
  cas: [4, "write"],
  push: [4, "write"],
  pop: [4, "write"],
  insert: [4, "write"],
  remove: [4, "write"],
  range: [4, "read"],
  length: [4, "read"],
  addmsg: [4, "write"],
  fields: [3, "write"],
  setttl: [3, "write"],
  getttl: [3, "write"],
  clear: [3, "write"],
  reginfo: [1, "registry"],
  regsweep: [1, "registry"],
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
  const readlib = read("readlib.lua");
  const preludes = {
    read: readlib,
    write: `${readlib}\n${read("lib.lua")}`,
    registry: read("reglib.lua"),
  };
  const out = {} as Record<ScriptName, Script>;
  const entries = Object.entries(SCRIPT_NAMES) as Array<
    [ScriptName, readonly [number, keyof typeof preludes]]
  >;
  for (const [name, [numKeys, prelude]] of entries) {
    const source = `${preludes[prelude]}\n${read(`${name}-${numKeys}.lua`)}`;
    out[name] = { name, numKeys, source, sha: createHash("sha1").update(source).digest("hex") };
  }
  cache = out;
  return out;
}

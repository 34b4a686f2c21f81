/**
 * The Lua scripts: what each one is (its key count, the prelude it runs on, whether it is a
 * write) and how its reply is decoded — one decoder per script, so no call site casts a reply.
 * Sources are in `lua/<name>-<keys>.lua`, each prefixed with its prelude; loaded once per
 * process.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { unescapeId } from "../../keys.js";
import type {
  AddMessageResult,
  CasResult,
  CompactResult,
  ConversationInfo,
  ManyResult,
  MapKeysPage,
  ReadValue,
  UpdateMessageResult,
} from "../store.js";

/**
 * Preludes, named by what they hold: `read` = `live.lua` (clock, liveness) + `state.lua` (keys,
 * arguments, stored state); `write` adds `write.lua` (deadlines, expiry, bookkeeping);
 * `registry` = `live.lua` + `registry.lua` (one registry bucket and its conversations). Kept
 * apart because Redis runs a script's whole prelude on every call: reads pay only for theirs.
 */
type Prelude = "read" | "write" | "registry";

/** A node-redis reply, before decoding. */
type Raw = unknown;

const list = (reply: Raw): unknown[] => (Array.isArray(reply) ? reply : []);

/**
 * A value reply (`[1, raw]` scalar, `[2, items]` list, `[3, flat key/value pairs]` map);
 * undefined when the field is missing.
 */
export function stored(reply: Raw): ReadValue | undefined {
  if (!Array.isArray(reply)) return undefined;
  if (reply[0] === 1) return { kind: "scalar", raw: String(reply[1]) };
  if (reply[0] === 2) return { kind: "list", items: list(reply[1]).map(String) };
  const flat = list(reply[1]);
  const entries: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) entries.push([String(flat[i]), String(flat[i + 1])]);
  return { kind: "map", entries };
}

/** `mapget`: a JSON text per key asked, null for a missing one. */
const optionalStrings = (reply: Raw): Array<string | undefined> =>
  list(reply).map((v) => (v === null || v === undefined ? undefined : String(v)));

/** `mapkeys`: `[next cursor ("0" = done), keys]`. */
function keysPage(reply: Raw): MapKeysPage {
  const [cursor, keys] = list(reply);
  return { keys: list(keys).map(String), cursor: String(cursor) === "0" ? undefined : String(cursor) };
}

/** `getmany`: `[1, replies]` (a value as `get`, a map key's `[1, raw]`, or null) or `[0, i]`. */
function manyResult(reply: Raw): ManyResult {
  const [ok, values] = list(reply);
  if (ok !== 1) return { ok: false, wrongType: Number(values) - 1 };
  return { ok: true, values: list(values).map((v) => (Array.isArray(v) ? stored(v) : undefined)) };
}

/** A reply passed on as it is (decoded by the caller, which knows what it asked). */
const raw = (reply: Raw): unknown => reply;

/** Flat `name, value, …` pairs (entries whose value is missing are skipped). */
function valuePairs(reply: Raw): Array<[string, ReadValue]> {
  const flat = list(reply);
  const out: Array<[string, ReadValue]> = [];
  for (let i = 0; i < flat.length; i += 2) {
    const value = stored(flat[i + 1]);
    if (value) out.push([String(flat[i]), value]);
  }
  return out;
}

/** Flat `name, number, …` pairs. */
function numberPairs(reply: Raw): Array<[string, number]> {
  const flat = list(reply);
  const out: Array<[string, number]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([String(flat[i]), Number(flat[i + 1])]);
  return out;
}

const strings = (reply: Raw): string[] => list(reply).map(String);
const isOne = (reply: Raw): boolean => reply === 1;
const nothing = (): void => undefined;

/** `cas`: `[1]` swapped, or `[0, current]`. */
function casResult(reply: Raw): CasResult {
  const [swapped, current] = list(reply);
  return swapped === 1 ? { ok: true } : { ok: false, current: stored(current) };
}

/** `addmsg`: `[1, timestamp]` added, or `[0, stored message]` (its id was already there). */
function addResult(reply: Raw): AddMessageResult {
  const [added, value] = list(reply);
  return added === 1 ? { added: true, timestamp: Number(value) } : { added: false, raw: String(value) };
}

/** `history`: `[1, elements]`, or `[0]` when the message it ends before is not in the history. */
function historyResult(reply: Raw): string[] | undefined {
  const [found, items] = list(reply);
  return found === 1 ? list(items).map(String) : undefined;
}

/** `updmsg`: `[1, message]` updated, `[0]` missing, `[2, bytes]` too large, `[3]` not a message. */
function updateResult(reply: Raw): UpdateMessageResult {
  const [kind, value] = list(reply);
  if (kind === 1) return { kind: "updated", raw: String(value) };
  if (kind === 2) return { kind: "too-large", bytes: Number(value) };
  return kind === 3 ? { kind: "not-a-message" } : { kind: "missing" };
}

/** `compact`: `[1, timestamp, length]` compacted, or `[0]` (the history changed meanwhile). */
function compactResult(reply: Raw): CompactResult {
  const [ok, timestamp, length] = list(reply);
  return ok === 1 ? { ok: true, timestamp: Number(timestamp), length: Number(length) } : { ok: false };
}

/** `getttl`: ms left, -1 for never, nil for no live field. */
function ttlMs(reply: Raw): number | null | undefined {
  if (reply === null || reply === undefined) return undefined;
  const ms = Number(reply);
  return ms === -1 ? null : ms;
}

/** `reginfo`: flat `eid, fields, bytes, last write, …` of the live conversations asked about. */
function infos(reply: Raw): ConversationInfo[] {
  const flat = list(reply);
  const out: ConversationInfo[] = [];
  for (let i = 0; i < flat.length; i += 4) {
    out.push({
      conversationId: unescapeId(String(flat[i])),
      totalFields: Number(flat[i + 1]),
      totalSizeBytes: Number(flat[i + 2]),
      lastActivity: Number(flat[i + 3]),
    });
  }
  return out;
}

/** `regsweep`: `[scanned, removed]`. */
function swept(reply: Raw): { scanned: number; removed: number } {
  const [scanned, removed] = list(reply);
  return { scanned: Number(scanned), removed: Number(removed) };
}

interface Spec<K extends 1 | 2 | 3 | 4, R> {
  /**
   * Number of KEYS: 4 = meta, message ids, registry bucket, field; 3 = without the field; 2 =
   * meta and field (the reads of one field, with the field name as their only shared ARGV); 1 =
   * a bucket.
   */
  readonly keys: K;
  readonly prelude: Prelude;
  /** A write: runs with the manager's default TTL, and under `durability` waits for replicas. */
  readonly write: boolean;
  readonly decode: (reply: Raw) => R;
}

function spec<K extends 1 | 2 | 3 | 4, R>(
  keys: K,
  prelude: Prelude,
  write: boolean,
  decode: (reply: Raw) => R,
): Spec<K, R> {
  return { keys, prelude, write, decode };
}

/** Every script. */
export const SCRIPTS = {
  get: spec(2, "read", false, stored),
  has: spec(2, "read", false, isOne),
  range: spec(2, "read", false, strings),
  length: spec(2, "read", false, Number),
  keys: spec(3, "read", false, strings),
  items: spec(3, "read", false, valuePairs),
  sizes: spec(3, "read", false, numberPairs),
  getttl: spec(3, "read", false, ttlMs),
  set: spec(4, "write", true, nothing),
  update: spec(3, "write", true, nothing),
  delete: spec(4, "write", true, isOne),
  incr: spec(4, "write", true, Number),
  cas: spec(4, "write", true, casResult),
  push: spec(4, "write", true, Number),
  pop: spec(4, "write", true, String),
  insert: spec(4, "write", true, Number),
  remove: spec(4, "write", true, isOne),
  addmsg: spec(4, "write", true, addResult),
  history: spec(4, "read", false, historyResult),
  updmsg: spec(4, "write", true, updateResult),
  delmsg: spec(4, "write", true, isOne),
  compact: spec(4, "write", true, compactResult),
  mapget: spec(2, "read", false, optionalStrings),
  mapkeys: spec(2, "read", false, keysPage),
  mapsize: spec(2, "read", false, Number),
  mapset: spec(4, "write", true, isOne),
  mapdel: spec(4, "write", true, isOne),
  getmany: spec(3, "read", false, manyResult),
  batch: spec(3, "write", true, raw),
  setttl: spec(3, "write", true, nothing),
  clear: spec(3, "write", true, Number),
  reginfo: spec(1, "registry", false, infos),
  regsweep: spec(1, "registry", false, swept),
} as const;

export type ScriptName = keyof typeof SCRIPTS;
/** What script `N`'s reply decodes to. */
export type ReplyOf<N extends ScriptName> = ReturnType<(typeof SCRIPTS)[N]["decode"]>;
/** Scripts that run on one conversation (KEYS: 3 or 4). */
export type ConversationScript = {
  [N in ScriptName]: (typeof SCRIPTS)[N]["keys"] extends 1 ? never : N;
}[ScriptName];
/** Scripts that run on one registry bucket. */
export type BucketScript = Exclude<ScriptName, ConversationScript>;

/** One operation: its `EVAL` form (the fallback) and its name in the Functions library. */
export interface Script {
  readonly name: ScriptName;
  /** The `EVAL` script: its prelude, the operation, and a call of it. */
  readonly source: string;
  readonly sha: string;
  /** The operation's function in {@link Library} (`FCALL` name). */
  readonly fn: string;
}

/**
 * The Redis 7 Functions library of every operation: helpers defined once, when it loads,
 * instead of a prelude run by every `EVAL`. Its name carries a hash of its source, so two
 * versions of convmem (a rolling deploy) or two tenants on one Redis never replace each
 * other's library: each loads its own, and identical versions share one.
 */
export interface Library {
  /** `convmem_<hash>`. */
  readonly name: string;
  /** The `FUNCTION LOAD` payload (with its `#!lua name=` header). */
  readonly source: string;
}

export interface Scripts {
  readonly library: Library;
  readonly ops: Record<ScriptName, Script>;
}

let cache: Scripts | undefined;

/** The Lua function that starts a call of an operation with `keys` KEYS (its layout). */
const beginOf = (keys: 1 | 2 | 3 | 4) => (keys === 1 ? "begin_bucket" : keys === 2 ? "begin_field" : "begin");

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** Every operation (both forms) and the library, read from disk once per process. */
export function loadScripts(): Scripts {
  if (cache) return cache;
  const dir = new URL("./lua/", import.meta.url);
  const read = (file: string) => readFileSync(fileURLToPath(new URL(file, dir)), "utf8");
  const live = read("live.lua");
  const state = read("state.lua");
  const write = read("write.lua");
  const registry = read("registry.lua");
  const preludes: Record<Prelude, string> = {
    read: `${live}\n${state}`,
    write: `${live}\n${state}\n${write}`,
    registry: `${live}\n${state}\n${registry}`,
  };
  const names = Object.keys(SCRIPTS) as ScriptName[];
  const bodies = names.map((name) => {
    const body = read(`${name}-${SCRIPTS[name].keys}.lua`);
    return `local function op_${name}()\n${body}\nend`;
  });
  const helpers = `${live}\n${state}\n${write}\n${registry}\n${bodies.join("\n")}`;
  // Registered as `<library>_<operation>`; the name is a hash of all the rest.
  const NAME = "\0library\0";
  const registrations = names.map((name) => {
    const spec = SCRIPTS[name];
    const begin = beginOf(spec.keys);
    // Read-only functions say so (Redis then lets them run where writes are refused).
    const flags = spec.write || name === "regsweep" ? "" : ", flags = { 'no-writes' }";
    return (
      `redis.register_function{ function_name = '${NAME}_${name}', ` +
      `callback = function(keys, args) ${begin}(keys, args) return op_${name}() end${flags} }`
    );
  });
  const body = `${helpers}\n${registrations.join("\n")}\n`;
  const libraryName = `convmem_${sha1(body).slice(0, 12)}`;
  const library = {
    name: libraryName,
    source: `#!lua name=${libraryName}\n${body.replaceAll(NAME, libraryName)}`,
  };
  const ops = {} as Record<ScriptName, Script>;
  names.forEach((name, i) => {
    const spec = SCRIPTS[name];
    const begin = beginOf(spec.keys);
    // KEYS and ARGV are EVAL's globals; the prelude declares library-level variables of the
    // same names (what Functions pass), so the globals are taken before it.
    const source =
      `local KEYS_IN, ARGV_IN = KEYS, ARGV\n${preludes[spec.prelude]}\n${bodies[i]}\n` +
      `${begin}(KEYS_IN, ARGV_IN)\nreturn op_${name}()\n`;
    ops[name] = { name, source, sha: sha1(source), fn: `${libraryName}_${name}` };
  });
  cache = { library, ops };
  return cache;
}

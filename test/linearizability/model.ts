/**
 * A pure, synchronous sequential model of ONE conversation under the contract
 * (/work/shared/API.md: "ConversationMemory", "TTL", "Precise rules"), for the linearizability
 * checker (checker.ts).
 *
 * Time. Expiry is modelled on the server clock. The checker hands every step the window
 * `[lo, hi]` (ms, `Date.now()` of the test host, which on loopback is the Redis server's clock)
 * in which the operation can have taken effect. A write at time t gives the fields that follow
 * the conversation the deadline `t + TTL`, so the model keeps every deadline as an interval
 * `[lo + TTL, hi + TTL]`. Whenever a field's liveness at the step is within `TOLERANCE_MS` of
 * its deadline interval, the step branches: one state in which the field is still live, one in
 * which it has expired. The checker explores every branch.
 *
 * State. Fields are stored as the JSON text the client encoded (a list: one text per element;
 * a message of the history: `"\u0000<uid>|<explicit id>"`, naming the `addMessage` call that
 * added it, whose arguments and reply the checker keeps). Each field has a TTL mode ("c": follows the
 * conversation; a deadline interval: pinned with `set(f, v, { ttl })`; null: pinned forever).
 * The conversation keeps its `setTtl` value (`ttl`), its deadline (`dl`) and whether it was
 * cleared since its last write (`clearAll` keeps the `setTtl` value).
 *
 * Every operation is one function below; each returns the possible outcomes: the next state
 * and what the call must have returned (an {@link Expect}).
 */

/** Tolerance (ms) between the test host's clock and the server's, and for clock granularity. */
export const TOLERANCE_MS = 30;

/** Inclusive interval of possible times (ms since the epoch). */
export interface Win {
  readonly lo: number;
  readonly hi: number;
}

/** A deadline: an interval of possible times, or null for "never". */
export type Deadline = Win | null;

/** "c" follows the conversation TTL; otherwise the field's own deadline (null: never expires). */
export type Pin = "c" | Deadline;

/** A stored value: JSON text of a scalar, or the elements (JSON texts or message refs) of a list. */
export type Value = { readonly s: string } | { readonly l: readonly string[] };

export interface Field {
  readonly v: Value;
  readonly pin: Pin;
}

export interface ConvState {
  readonly fields: Readonly<Record<string, Field>>;
  /** The conversation's `setTtl` value; undefined: the writer's `defaultTtl` applies. */
  readonly ttl: number | null | undefined;
  /** Deadline of the fields that follow the conversation; "passed": known to be over. */
  readonly dl: Deadline | "passed" | undefined;
  /** `clearAll` ran since the last write (the setTtl value is kept; see `renew`). */
  readonly cleared: boolean;
}

/** A conversation nobody has written. */
export const EMPTY_CONVERSATION: ConvState = { fields: {}, ttl: undefined, dl: undefined, cleared: false };

/** Name of the history field. */
export const MESSAGES = "messages";

/** Prefix of a list element that stands for a message of the history. */
export const MSG_REF = "\u0000";

/** The operations the model knows, with the arguments the generator passes. */
export type OpName =
  | "get"
  | "set"
  | "update"
  | "has"
  | "delete"
  | "keys"
  | "items"
  | "incr"
  | "modify"
  | "append"
  | "extend"
  | "pop"
  | "insert"
  | "remove"
  | "getList"
  | "listLength"
  | "addMessage"
  | "getMessages"
  | "getMessageCount"
  | "setTtl"
  | "getTtl"
  | "clearAll"
  | "getMemorySize";

/** What the generator's `modify` does with the current value (runner and model share it). */
export interface ModifySpec {
  /** Appended to a string. */
  readonly ch: string;
  /** Added to a number; appended to an array. */
  readonly k: number;
  readonly fallback?: unknown;
}

/** The modify function: string + ch, number + k, array + [k]; anything else (or missing) becomes ch. */
export function applyModify(current: unknown, spec: ModifySpec): unknown {
  if (typeof current === "string") return current + spec.ch;
  if (typeof current === "number") return current + spec.k;
  if (Array.isArray(current)) return [...current, spec.k];
  return spec.ch;
}

/** One call as the model sees it. */
export interface Call {
  /** Unique id of the call in its history (names the message an `addMessage` adds). */
  readonly uid: number;
  readonly op: OpName;
  readonly args: readonly unknown[];
  /** `defaultTtl` of the manager that issued it (seconds; null = never). */
  readonly defaultTtl: number | null;
}

/**
 * What a call must have returned. `json`: a value whose `JSON.stringify` is the text; `list`:
 * an array of those (or of messages); `lit`: compared with deep equality.
 */
export type Pattern =
  | { readonly undef: true }
  | { readonly lit: unknown }
  | { readonly json: string }
  | { readonly list: readonly string[] }
  | { readonly items: ReadonlyArray<readonly [string, Pattern]> }
  | { readonly ttl: Win }
  | { readonly size: readonly string[] }
  | { readonly newMsg: number; readonly at: Win }
  | { readonly elem: string };

export type Expect = { readonly ok: Pattern } | { readonly error: string };

export interface Outcome {
  readonly state: ConvState;
  readonly expect: Expect;
}

const UNDEF: Pattern = { undef: true };
const DONE: Expect = { ok: UNDEF };

function ok(p: Pattern): Expect {
  return { ok: p };
}
function lit(v: unknown): Expect {
  return { ok: { lit: v } };
}
function error(code: string): Expect {
  return { error: code };
}

// ---- liveness ---------------------------------------------------------------------------------

type Tri = "yes" | "no" | "maybe";

/** Whether a deadline has passed at a time in `w` (within the tolerance: "maybe"). */
function passed(d: Deadline | "passed" | undefined, w: Win, tol: number): Tri {
  if (d === undefined || d === null) return "no";
  if (d === "passed") return "yes";
  if (w.lo - tol >= d.hi) return "yes";
  if (w.hi + tol < d.lo) return "no";
  return "maybe";
}

function withFields(s: ConvState, fields: Record<string, Field>): ConvState {
  return { ...s, fields };
}

function without(
  fields: Readonly<Record<string, Field>>,
  drop: (f: Field) => boolean,
): Record<string, Field> {
  const out: Record<string, Field> = {};
  for (const [name, f] of Object.entries(fields)) if (!drop(f)) out[name] = f;
  return out;
}

/**
 * The states in which every field is definitely live at the step (the expired ones removed):
 * one per combination of the fields whose expiry falls within the tolerance of the window.
 * Fields that follow the conversation share its deadline, so they expire together.
 */
export function resolve(s: ConvState, w: Win, tol: number): ConvState[] {
  let states: ConvState[] = [s];
  const names = Object.keys(s.fields);
  if (names.some((n) => s.fields[n]?.pin === "c")) {
    const p = passed(s.dl, w, tol);
    const dead = (x: ConvState): ConvState => ({
      ...withFields(
        x,
        without(x.fields, (f) => f.pin === "c"),
      ),
      dl: "passed",
    });
    if (p === "yes") states = [dead(s)];
    else if (p === "maybe") states = [s, dead(s)];
  }
  for (const name of names) {
    const pin = s.fields[name]?.pin;
    if (pin === undefined || pin === "c" || pin === null) continue;
    const p = passed(pin, w, tol);
    if (p === "no") continue;
    const next: ConvState[] = [];
    for (const x of states) {
      const rest = { ...x.fields };
      delete rest[name];
      const gone = withFields(x, rest);
      if (p === "maybe") next.push(x);
      next.push(gone);
    }
    states = next;
  }
  return states;
}

/**
 * A write at a time in `w` by a manager whose default TTL is `defaultTtl` (the state already
 * resolved): renews the conversation deadline from its TTL (its setTtl value, else the default).
 * A conversation that has expired entirely (no live field and its deadline over) forgets its
 * setTtl value first, as `renew` in the in-memory store does. After `clearAll` the contract keeps
 * the setTtl value; whether it outlives the cleared conversation's old deadline is not pinned
 * down (the in-memory store keeps it, Redis keeps it while the conversation's bookkeeping lives),
 * so past that deadline both are allowed.
 */
function renew(s: ConvState, w: Win, defaultTtl: number | null, tol: number): ConvState[] {
  let ttls: Array<number | null | undefined> = [s.ttl];
  if (s.ttl !== undefined && Object.keys(s.fields).length === 0) {
    const p = passed(s.dl, w, tol);
    if (s.cleared) {
      if (p !== "no") ttls = [s.ttl, undefined];
    } else if (p === "yes") ttls = [undefined];
    else if (p === "maybe") ttls = [s.ttl, undefined];
  }
  return ttls.map((ttl) => {
    const t = ttl === undefined ? defaultTtl : ttl;
    const dl: Deadline = t === null ? null : { lo: w.lo + t * 1000, hi: w.hi + t * 1000 };
    return { fields: s.fields, ttl, dl, cleared: false };
  });
}

/** A field's own deadline for `set(f, v, { ttl })` at a time in `w` (undefined: follows the conversation). */
function pinFor(ttl: number | null | undefined, w: Win): Pin {
  if (ttl === undefined) return "c";
  if (ttl === null) return null;
  return { lo: w.lo + ttl * 1000, hi: w.hi + ttl * 1000 };
}

function put(s: ConvState, name: string, v: Value, pin: Pin): ConvState {
  return withFields(s, { ...s.fields, [name]: { v, pin } });
}

function drop(s: ConvState, name: string): ConvState {
  const rest = { ...s.fields };
  delete rest[name];
  return withFields(s, rest);
}

/** The stored form of a JS value: an array is a list (of its elements' JSON), anything else JSON text. */
export function encode(value: unknown): Value {
  if (Array.isArray(value)) return { l: value.map((x) => JSON.stringify(x)) };
  return { s: JSON.stringify(value) };
}

function decode(v: Value): unknown {
  if ("s" in v) return JSON.parse(v.s);
  return v.l.map((x) => JSON.parse(x));
}

function pattern(v: Value): Pattern {
  return "s" in v ? { json: v.s } : { list: v.l };
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** JSON text with object keys sorted (deep equality ignoring key order, as `remove` uses). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${sorted(Object.keys(obj))
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

type ListRead = { items: readonly string[] } | { wrong: true };

/** A live field read as a list: missing = [], a scalar = wrong type. */
function listOf(s: ConvState, name: string): ListRead {
  const f = s.fields[name];
  if (!f) return { items: [] };
  if ("s" in f.v) return { wrong: true };
  return { items: f.v.l };
}

/** `Array.prototype.slice` bounds. */
function slice(items: readonly string[], start: number | undefined, end: number | undefined): string[] {
  return items.slice(start, end);
}

// ---- the operations (s: resolved state, w: window, c: the call) -----------------------------------

type OpFn = (s: ConvState, w: Win, c: Call, tol: number) => Outcome[];

function writes(
  s: ConvState,
  w: Win,
  c: Call,
  tol: number,
  change: (r: ConvState) => ConvState,
  expect: Expect,
): Outcome[] {
  return renew(s, w, c.defaultTtl, tol).map((r) => ({ state: change(r), expect }));
}

const get: OpFn = (s, _w, c) => {
  const [name, ...rest] = c.args as [string, unknown?];
  const f = s.fields[name];
  if (f) return [{ state: s, expect: ok(pattern(f.v)) }];
  return [{ state: s, expect: rest.length > 0 ? lit(rest[0]) : ok(UNDEF) }];
};

const set: OpFn = (s, w, c, tol) => {
  const [name, value, options] = c.args as [string, unknown, { ttl?: number | null }?];
  const pin = pinFor(options && "ttl" in options ? options.ttl : undefined, w);
  return writes(s, w, c, tol, (r) => put(r, name, encode(value), pin), DONE);
};

const update: OpFn = (s, w, c, tol) => {
  const [record] = c.args as [Record<string, unknown>];
  const entries = Object.entries(record);
  if (entries.length === 0) return [{ state: s, expect: DONE }];
  return writes(
    s,
    w,
    c,
    tol,
    (r) => entries.reduce((x, [name, value]) => put(x, name, encode(value), "c"), r),
    DONE,
  );
};

const has: OpFn = (s, _w, c) => [{ state: s, expect: lit(s.fields[c.args[0] as string] !== undefined) }];

const del: OpFn = (s, w, c, tol) => {
  const name = c.args[0] as string;
  if (!s.fields[name]) return [{ state: s, expect: lit(false) }];
  return writes(s, w, c, tol, (r) => drop(r, name), lit(true));
};

const keys: OpFn = (s) => [{ state: s, expect: lit(sorted(Object.keys(s.fields))) }];

const items: OpFn = (s) => {
  const out = sorted(Object.keys(s.fields)).map((name): readonly [string, Pattern] => {
    const f = s.fields[name] as Field;
    return [name, pattern(f.v)];
  });
  return [{ state: s, expect: ok({ items: out }) }];
};

const SAFE = Number.MAX_SAFE_INTEGER;

const incr: OpFn = (s, w, c, tol) => {
  const [name, by = 1] = c.args as [string, number?];
  const f = s.fields[name];
  let current = 0;
  if (f) {
    if (!("s" in f.v) || !/^-?\d+$/.test(f.v.s) || f.v.s.length > 17)
      return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
    current = Number(f.v.s);
  }
  const next = current + by;
  if (next > SAFE || next < -SAFE) return [{ state: s, expect: error("ERR_VALIDATION") }];
  return writes(s, w, c, tol, (r) => put(r, name, { s: String(next) }, "c"), lit(next));
};

/** `modify` as a compare-and-set that takes effect at its write: reads, applies fn, writes. */
const modify: OpFn = (s, w, c, tol) => {
  const [name, spec] = c.args as [string, ModifySpec];
  const f = s.fields[name];
  const input = f ? decode(f.v) : spec.fallback;
  const next = applyModify(input, spec);
  return writes(s, w, c, tol, (r) => put(r, name, encode(next), "c"), ok({ json: JSON.stringify(next) }));
};

function push(
  s: ConvState,
  w: Win,
  c: Call,
  tol: number,
  name: string,
  added: readonly string[],
  max?: number,
): Outcome[] {
  const list = listOf(s, name);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  let next = [...list.items, ...added];
  if (max !== undefined && next.length > max) next = next.slice(next.length - max);
  return writes(s, w, c, tol, (r) => put(r, name, { l: next }, "c"), lit(next.length));
}

const append: OpFn = (s, w, c, tol) => {
  const [name, value, options] = c.args as [string, unknown, { maxLength?: number }?];
  return push(s, w, c, tol, name, [JSON.stringify(value)], options?.maxLength);
};

const extend: OpFn = (s, w, c, tol) => {
  const [name, values, options] = c.args as [string, unknown[], { maxLength?: number }?];
  return push(
    s,
    w,
    c,
    tol,
    name,
    values.map((v) => JSON.stringify(v)),
    options?.maxLength,
  );
};

const pop: OpFn = (s, w, c, tol) => {
  const [name, index = -1] = c.args as [string, number?];
  const f = s.fields[name];
  if (!f) return [{ state: s, expect: error("ERR_LIST_INDEX") }];
  if ("s" in f.v) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  const list = f.v.l;
  const i = index < 0 ? index + list.length : index;
  if (i < 0 || i >= list.length) return [{ state: s, expect: error("ERR_LIST_INDEX") }];
  const next = [...list.slice(0, i), ...list.slice(i + 1)];
  return writes(s, w, c, tol, (r) => put(r, name, { l: next }, "c"), ok({ elem: list[i] as string }));
};

const insert: OpFn = (s, w, c, tol) => {
  const [name, index, value] = c.args as [string, number, unknown];
  const list = listOf(s, name);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  const n = list.items.length;
  const i = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
  const next = [...list.items.slice(0, i), JSON.stringify(value), ...list.items.slice(i)];
  return writes(s, w, c, tol, (r) => put(r, name, { l: next }, "c"), lit(next.length));
};

/** `remove` takes effect at its write (or, when nothing matches, at its read). */
const remove: OpFn = (s, w, c, tol) => {
  const [name, value] = c.args as [string, unknown];
  const list = listOf(s, name);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  const wanted = canonical(value);
  const i = list.items.findIndex((x) => !x.startsWith(MSG_REF) && canonical(JSON.parse(x)) === wanted);
  if (i < 0) return [{ state: s, expect: lit(false) }];
  const next = [...list.items.slice(0, i), ...list.items.slice(i + 1)];
  return writes(s, w, c, tol, (r) => put(r, name, { l: next }, "c"), lit(true));
};

const getList: OpFn = (s, _w, c) => {
  const [name, options] = c.args as [string, { start?: number; end?: number }?];
  const list = listOf(s, name);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  return [{ state: s, expect: ok({ list: slice(list.items, options?.start, options?.end) }) }];
};

const listLength: OpFn = (s, _w, c) => {
  const list = listOf(s, c.args[0] as string);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  return [{ state: s, expect: lit(list.items.length) }];
};

/** The list element that stands for the message call `uid` adds (with its explicit id, if any). */
export function messageRef(uid: number, explicitId: string | undefined): string {
  return `${MSG_REF}${uid}|${explicitId ?? ""}`;
}

/** The uid and explicit id (undefined: generated) of a message element. */
export function parseMessageRef(elem: string): { uid: number; explicitId: string | undefined } {
  const bar = elem.indexOf("|");
  const id = elem.slice(bar + 1);
  return { uid: Number(elem.slice(1, bar)), explicitId: id === "" ? undefined : id };
}

const addMessage: OpFn = (s, w, c, tol) => {
  const [, , , options] = c.args as [string, string, unknown?, { id?: string; maxMessages?: number }?];
  const list = listOf(s, MESSAGES);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  const id = options?.id;
  if (id !== undefined) {
    for (let i = list.items.length - 1; i >= 0; i--) {
      const x = list.items[i] as string;
      if (x.startsWith(MSG_REF) && parseMessageRef(x).explicitId === id) {
        return [{ state: s, expect: ok({ elem: x }) }];
      }
    }
  }
  let next = [...list.items, messageRef(c.uid, id)];
  const max = options?.maxMessages;
  if (max !== undefined && next.length > max) next = next.slice(next.length - max);
  return writes(s, w, c, tol, (r) => put(r, MESSAGES, { l: next }, "c"), ok({ newMsg: c.uid, at: w }));
};

const getMessages: OpFn = (s, _w, c) => {
  const [options] = c.args as [{ limit?: number }?];
  const list = listOf(s, MESSAGES);
  if ("wrong" in list) return [{ state: s, expect: error("ERR_WRONG_TYPE") }];
  const limit = options?.limit;
  const out = limit === undefined ? list.items : limit === 0 ? [] : list.items.slice(-limit);
  return [{ state: s, expect: ok({ list: out }) }];
};

const getMessageCount: OpFn = (s, w, c, tol) => listLength(s, w, { ...c, args: [MESSAGES] }, tol);

/** `setTtl` keeps the value, applies it now to every live field and unpins the pinned ones. */
const setTtl: OpFn = (s, w, c) => {
  const ttl = c.args[0] as number | null;
  const fields: Record<string, Field> = {};
  for (const [name, f] of Object.entries(s.fields)) fields[name] = { v: f.v, pin: "c" };
  const dl: Deadline = ttl === null ? null : { lo: w.lo + ttl * 1000, hi: w.hi + ttl * 1000 };
  return [{ state: { fields, ttl, dl, cleared: false }, expect: DONE }];
};

/** Seconds (rounded up) until the last live field expires; null if one never does; undefined if none. */
const getTtl: OpFn = (s, w, _c, tol) => {
  const fields = Object.values(s.fields);
  if (fields.length === 0) return [{ state: s, expect: ok(UNDEF) }];
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const f of fields) {
    const d = f.pin === "c" ? s.dl : f.pin;
    if (d === null || d === undefined) return [{ state: s, expect: lit(null) }];
    if (d === "passed") continue;
    lo = Math.max(lo, d.lo);
    hi = Math.max(hi, d.hi);
  }
  const msLo = lo - w.hi - tol;
  const msHi = hi - w.lo + tol;
  const secLo = Math.max(1, Math.ceil(msLo / 1000));
  const secHi = Math.max(1, Math.ceil(msHi / 1000));
  return [{ state: s, expect: ok({ ttl: { lo: secLo, hi: secHi } }) }];
};

/** Not a write: the fields go, the setTtl value stays (and so does the old deadline, see `renew`). */
const clearAll: OpFn = (s) => {
  const n = Object.keys(s.fields).length;
  return [{ state: { fields: {}, ttl: s.ttl, dl: s.dl, cleared: true }, expect: lit(n) }];
};

const getMemorySize: OpFn = (s) => [{ state: s, expect: ok({ size: sorted(Object.keys(s.fields)) }) }];

const OPS: Record<OpName, OpFn> = {
  get,
  set,
  update,
  has,
  delete: del,
  keys,
  items,
  incr,
  modify,
  append,
  extend,
  pop,
  insert,
  remove,
  getList,
  listLength,
  addMessage,
  getMessages,
  getMessageCount,
  setTtl,
  getTtl,
  clearAll,
  getMemorySize,
};

/** Operations that never change the state. */
export const READ_ONLY: ReadonlySet<OpName> = new Set([
  "get",
  "has",
  "keys",
  "items",
  "getList",
  "listLength",
  "getMessages",
  "getMessageCount",
  "getTtl",
  "getMemorySize",
]);

/** Every possible outcome of `c` taking effect at a time in `w` on state `s`. */
export function step(s: ConvState, c: Call, w: Win, tol = TOLERANCE_MS): Outcome[] {
  const fn = OPS[c.op];
  const out: Outcome[] = [];
  for (const r of resolve(s, w, tol)) out.push(...fn(r, w, c, tol));
  return out;
}

const keyCache = new WeakMap<ConvState, string>();

function deadlineKey(d: Deadline | "passed" | undefined): string {
  if (d === undefined) return "u";
  if (d === null) return "n";
  if (d === "passed") return "p";
  return `${d.lo}-${d.hi}`;
}

/** A canonical string of the state, for memoization. */
export function stateKey(s: ConvState): string {
  let k = keyCache.get(s);
  if (k === undefined) {
    const parts = sorted(Object.keys(s.fields)).map((name) => {
      const f = s.fields[name] as Field;
      const pin = f.pin === "c" ? "c" : deadlineKey(f.pin);
      return `${JSON.stringify(name)}:${pin}:${JSON.stringify(f.v)}`;
    });
    k = `${parts.join(";")}|${String(s.ttl)}|${deadlineKey(s.dl)}|${s.cleared ? 1 : 0}`;
    keyCache.set(s, k);
  }
  return k;
}

/** A readable rendering of the state, for reports. */
export function describeState(s: ConvState, origin = 0): string {
  const when = (d: Deadline | "passed" | undefined): string => {
    if (d === undefined) return "-";
    if (d === null) return "never";
    if (d === "passed") return "passed";
    return `[${d.lo - origin}..${d.hi - origin}]`;
  };
  const fields = sorted(Object.keys(s.fields)).map((name) => {
    const f = s.fields[name] as Field;
    const v =
      "s" in f.v
        ? f.v.s
        : `[${f.v.l.map((x) => (x.startsWith(MSG_REF) ? `msg#${parseMessageRef(x).uid}` : x)).join(",")}]`;
    const pin = f.pin === "c" ? "" : ` pinned ${when(f.pin)}`;
    return `${name}=${v}${pin}`;
  });
  return `{${fields.join(", ")}} ttl=${String(s.ttl)} deadline=${when(s.dl)}${s.cleared ? " cleared" : ""}`;
}

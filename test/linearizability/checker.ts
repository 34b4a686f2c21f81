/**
 * A WGL/Knossos-style linearizability checker for convmem histories, against the sequential
 * model of one conversation (model.ts).
 *
 * A history is every call the clients (managers) made, with the interval `[inv, resp]` (ms,
 * `Date.now()`) in which it was pending and what it returned. Calls on different conversations
 * are independent, so each conversation's sub-history is checked on its own. The search looks
 * for one order of the calls that
 *
 * 1. respects real time: a call that responded before another was invoked comes first;
 * 2. respects program order per manager: the calls one manager issued on one conversation take
 *    effect in the order it issued them, even when issued together (`Promise.all`);
 * 3. explains every acknowledged result and every definite error (WrongTypeError, ListIndexError,
 *    ValidationError: the call took effect as "no change", which the model must predict);
 *
 * where an indeterminate call (timed out, or rejected by `close()` / a dropped connection) may or
 * may not have taken effect, at any point after its invocation (in its place among its own
 * manager's calls), and a `ConflictError` (modify gave up) took no effect.
 *
 * With program order the calls of one manager form a chain, so a search configuration is the
 * position reached in each chain plus the model state (and the earliest time the next call can
 * take effect); configurations that failed once are memoized, which keeps the search small.
 */
import {
  type Call,
  type ConvState,
  describeState,
  EMPTY_CONVERSATION,
  type Expect,
  MSG_REF,
  type OpName,
  type Pattern,
  parseMessageRef,
  READ_ONLY,
  stateKey,
  step,
  TOLERANCE_MS,
  type Win,
} from "./model.js";

/** An error as a client recorded it. */
export interface RecordedError {
  readonly code?: string | undefined;
  readonly name: string;
  readonly message: string;
}

/** One call as a client recorded it. */
export interface RecordedOp {
  /** The manager that issued it (a manager re-created after `close()` is another client). */
  readonly client: string;
  readonly conv: string;
  /** Issue order within the client. */
  readonly seq: number;
  readonly op: OpName;
  readonly args: readonly unknown[];
  /** `defaultTtl` of the client's manager. */
  readonly defaultTtl: number | null;
  readonly inv: number;
  readonly resp: number;
  readonly ok: boolean;
  /** The result: `[value]`, or `[]` for undefined. */
  readonly r?: readonly unknown[] | undefined;
  readonly err?: RecordedError | undefined;
}

export interface CheckOptions {
  /**
   * Program order per manager: true (the contract), false (real time only), or
   * "except-modify-remove" (modify/remove calls are left out of their manager's order, as the
   * documentation of older versions allowed; for classifying failures only). @default true
   */
  programOrder?: boolean | "except-modify-remove";
  /** Clients whose calls are left out of program order (for classifying failures only). */
  unordered?: ReadonlySet<string>;
  /** Clock tolerance for expiry, ms. @default TOLERANCE_MS */
  tolerance?: number;
  /** Tolerance of message timestamps against the call's window, ms. @default tolerance */
  timestampTolerance?: number;
  /** Give up (inconclusive) after this many search configurations. @default 2_000_000 */
  maxConfigs?: number;
  /** Build the failure report (shrinks the history: costs more searches). @default true */
  report?: boolean;
}

/** The verdict on one conversation's sub-history. */
export interface Verdict {
  readonly conv: string;
  readonly ok: boolean;
  /** The search gave up (too many configurations): neither accepted nor refuted. */
  readonly inconclusive: boolean;
  readonly ops: number;
  readonly configs: number;
  /** On failure: the history, the longest linearizable prefix and what could not come next. */
  readonly report?: string;
}

/** Errors after which the call took effect as "no change" (the model predicts them). */
const DEFINITE = new Set(["ERR_WRONG_TYPE", "ERR_LIST_INDEX", "ERR_VALIDATION"]);
/** Errors after which the call took no effect at all. */
const NO_EFFECT = new Set(["ERR_CONFLICT"]);

/** How a recorded call counts for the search. */
export function outcomeOf(rec: RecordedOp): "ok" | "error" | "none" | "unknown" {
  if (rec.ok) return "ok";
  const code = rec.err?.code;
  if (code !== undefined && DEFINITE.has(code)) return "error";
  if (code !== undefined && NO_EFFECT.has(code)) return "none";
  return "unknown";
}

interface Op {
  readonly uid: number;
  readonly rec: RecordedOp;
  readonly call: Call;
  /** Determinate: its result must be explained. */
  readonly det: boolean;
  readonly inv: number;
  /** Infinity when indeterminate. */
  readonly resp: number;
}

/** What the checker knows about the messages of a history (for matching reads of them). */
class MessageBook {
  private readonly adds = new Map<number, RecordedOp>();
  private readonly explicit = new Set<string>();
  constructor(
    ops: ReadonlyArray<{ uid: number; rec: RecordedOp }>,
    private readonly tol: number,
  ) {
    for (const { uid, rec } of ops) {
      if (rec.op !== "addMessage") continue;
      this.adds.set(uid, rec);
      const id = (rec.args[3] as { id?: string } | undefined)?.id;
      if (id !== undefined) this.explicit.add(id);
    }
  }

  private sameBody(rec: RecordedOp, m: Record<string, unknown>): boolean {
    const [role, content, metadata = {}] = rec.args as [string, string, unknown?];
    return (
      m.role === role && m.content === content && JSON.stringify(m.metadata) === JSON.stringify(metadata)
    );
  }

  private idOk(rec: RecordedOp, m: Record<string, unknown>): boolean {
    const id = (rec.args[3] as { id?: string } | undefined)?.id;
    if (id !== undefined) return m.id === id;
    return typeof m.id === "string" && m.id.length > 0 && !this.explicit.has(m.id);
  }

  /** `v` is the new message call `uid` added at a time in `at`. */
  fresh(uid: number, at: Win, v: unknown): boolean {
    const rec = this.adds.get(uid);
    if (!rec || !isObject(v) || !this.sameBody(rec, v) || !this.idOk(rec, v)) return false;
    const ts = v.timestamp;
    return typeof ts === "number" && ts >= at.lo - this.tol && ts <= at.hi + this.tol;
  }

  /** `v` is the stored message that call `uid` added. */
  stored(uid: number, v: unknown): boolean {
    const rec = this.adds.get(uid);
    if (!rec || !isObject(v) || !this.sameBody(rec, v) || !this.idOk(rec, v)) return false;
    const own = rec.ok && rec.r?.length === 1 && isObject(rec.r[0]) ? rec.r[0] : undefined;
    if (own && own.content === (rec.args[1] as string))
      return v.id === own.id && v.timestamp === own.timestamp;
    const ts = v.timestamp;
    const until = rec.ok ? rec.resp : Number.POSITIVE_INFINITY;
    return typeof ts === "number" && ts >= rec.inv - this.tol && ts <= until + this.tol;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function matchElem(elem: string, v: unknown, book: MessageBook): boolean {
  if (elem.startsWith(MSG_REF)) return book.stored(parseMessageRef(elem).uid, v);
  return v !== undefined && JSON.stringify(v) === elem;
}

function matchPattern(p: Pattern, v: unknown, book: MessageBook): boolean {
  if ("undef" in p) return v === undefined;
  if ("lit" in p) return v !== undefined && JSON.stringify(v) === JSON.stringify(p.lit);
  if ("json" in p) return v !== undefined && JSON.stringify(v) === p.json;
  if ("list" in p) {
    return Array.isArray(v) && v.length === p.list.length && p.list.every((e, i) => matchElem(e, v[i], book));
  }
  if ("elem" in p) return matchElem(p.elem, v, book);
  if ("items" in p) {
    return (
      Array.isArray(v) &&
      v.length === p.items.length &&
      p.items.every(([name, vp], i) => {
        const pair = v[i];
        return (
          Array.isArray(pair) && pair.length === 2 && pair[0] === name && matchPattern(vp, pair[1], book)
        );
      })
    );
  }
  if ("ttl" in p) return typeof v === "number" && Number.isInteger(v) && v >= p.ttl.lo && v <= p.ttl.hi;
  if ("size" in p) {
    if (!isObject(v) || !isObject(v.fields)) return false;
    return (
      v.totalFields === p.size.length && JSON.stringify(Object.keys(v.fields)) === JSON.stringify(p.size)
    );
  }
  return book.fresh(p.newMsg, p.at, v);
}

function matches(e: Expect, rec: RecordedOp, book: MessageBook): boolean {
  if (!rec.ok) return "error" in e && e.error === rec.err?.code;
  if (!("ok" in e)) return false;
  const v = rec.r && rec.r.length > 0 ? rec.r[0] : undefined;
  return matchPattern(e.ok, v, book);
}

// ---- rendering ----------------------------------------------------------------------------------

function short(v: unknown, max = 140): string {
  const text = v === undefined ? "undefined" : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function callText(rec: RecordedOp): string {
  return `${rec.op}(${rec.args.map((a) => short(a, 60)).join(", ")})`;
}

function resultText(rec: RecordedOp): string {
  if (rec.ok) return short(rec.r && rec.r.length > 0 ? rec.r[0] : undefined);
  const code = rec.err?.code ?? rec.err?.name ?? "error";
  const kind = outcomeOf(rec);
  return kind === "unknown"
    ? `indeterminate (${code})`
    : kind === "none"
      ? `no effect (${code})`
      : `throws ${code}`;
}

function patternText(p: Pattern): string {
  if ("undef" in p) return "undefined";
  if ("lit" in p) return short(p.lit);
  if ("json" in p) return p.json;
  if ("list" in p) return `[${p.list.map(elemText).join(",")}]`;
  if ("elem" in p) return elemText(p.elem);
  if ("items" in p)
    return `[${p.items.map(([n, v]) => `[${JSON.stringify(n)},${patternText(v)}]`).join(",")}]`;
  if ("ttl" in p) return p.ttl.lo === p.ttl.hi ? `${p.ttl.lo}` : `${p.ttl.lo}..${p.ttl.hi}`;
  if ("size" in p) return `{ totalFields: ${p.size.length}, fields: ${JSON.stringify(p.size)} }`;
  return `a new message of call #${p.newMsg}`;
}

function elemText(e: string): string {
  return e.startsWith(MSG_REF) ? `<message of call #${parseMessageRef(e).uid}>` : e;
}

function expectText(e: Expect): string {
  return "error" in e ? `throws ${e.error}` : patternText(e.ok);
}

function opLine(op: Op, origin: number): string {
  const { rec } = op;
  const at = `[${String(rec.inv - origin).padStart(5)}, ${(op.det || rec.ok ? String(rec.resp - origin) : "?").padStart(5)}]`;
  return `  #${String(op.uid).padEnd(4)} ${`${rec.client}/${rec.seq}`.padEnd(9)} ${at} ${callText(rec)} -> ${resultText(rec)}`;
}

// ---- the search -------------------------------------------------------------------------------

class Inconclusive extends Error {}

interface Found {
  readonly ok: boolean;
  readonly configs: number;
  readonly bestPath: ReadonlyArray<{ op: Op; applied: boolean }>;
  readonly bestState: ConvState;
  readonly bestPos: readonly number[];
  readonly bestNowLo: number;
}

function search(chains: readonly Op[][], book: MessageBook, tol: number, maxConfigs: number): Found {
  const n = chains.length;
  // sufMin[c][i]: the earliest response among the determinate calls chains[c][i..].
  const sufMin = chains.map((chain) => {
    const out = new Array<number>(chain.length + 1).fill(Number.POSITIVE_INFINITY);
    for (let i = chain.length - 1; i >= 0; i--)
      out[i] = Math.min(out[i + 1] as number, (chain[i] as Op).resp);
    return out;
  });
  const lastDet = chains.map((chain) => {
    for (let i = chain.length - 1; i >= 0; i--) if ((chain[i] as Op).det) return i;
    return -1;
  });
  const memo = new Set<string>();
  const pos = new Array<number>(n).fill(0);
  const path: Array<{ op: Op; applied: boolean }> = [];
  let best: Found = {
    ok: false,
    configs: 0,
    bestPath: [],
    bestState: EMPTY_CONVERSATION,
    bestPos: [...pos],
    bestNowLo: 0,
  };
  let bestDepth = -1;

  const done = (): boolean => {
    for (let c = 0; c < n; c++) if ((pos[c] as number) <= (lastDet[c] as number)) return false;
    return true;
  };

  const dfs = (state: ConvState, nowLo: number): boolean => {
    if (path.length > bestDepth) {
      bestDepth = path.length;
      best = { ...best, bestPath: [...path], bestState: state, bestPos: [...pos], bestNowLo: nowLo };
    }
    if (done()) return true;
    const key = `${pos.join(",")}#${nowLo}#${stateKey(state)}`;
    if (memo.has(key)) return false;
    memo.add(key);
    if (memo.size > maxConfigs) throw new Inconclusive();
    // The two smallest pending responses, to bound each candidate's window.
    let m1 = Number.POSITIVE_INFINITY;
    let m2 = Number.POSITIVE_INFINITY;
    let arg = -1;
    for (let c = 0; c < n; c++) {
      const h = (sufMin[c] as number[])[pos[c] as number] as number;
      if (h < m1) {
        m2 = m1;
        m1 = h;
        arg = c;
      } else if (h < m2) m2 = h;
    }
    const candidates: number[] = [];
    for (let c = 0; c < n; c++) if ((pos[c] as number) < (chains[c] as Op[]).length) candidates.push(c);
    const head = (c: number): Op => (chains[c] as Op[])[pos[c] as number] as Op;
    candidates.sort((x, y) => head(x).inv - head(y).inv);
    for (const c of candidates) {
      const i = pos[c] as number;
      const op = (chains[c] as Op[])[i] as Op;
      const minOther = Math.min(c === arg ? m2 : m1, (sufMin[c] as number[])[i + 1] as number);
      if (op.inv <= minOther) {
        const hi = Math.min(op.resp, minOther);
        const lo = Math.max(op.inv, nowLo);
        if (lo <= hi) {
          const seen = new Set<string>();
          for (const out of step(state, op.call, { lo, hi }, tol)) {
            if (op.det && !matches(out.expect, op.rec, book)) continue;
            const k = stateKey(out.state);
            if (seen.has(k)) continue;
            seen.add(k);
            pos[c] = i + 1;
            path.push({ op, applied: true });
            const found = dfs(out.state, Math.max(nowLo, op.inv));
            path.pop();
            pos[c] = i;
            if (found) return true;
          }
        }
      }
      if (!op.det) {
        // An indeterminate call may not have taken effect at all.
        pos[c] = i + 1;
        path.push({ op, applied: false });
        const found = dfs(state, nowLo);
        path.pop();
        pos[c] = i;
        if (found) return true;
      }
    }
    return false;
  };

  const ok = dfs(EMPTY_CONVERSATION, 0);
  return { ...best, ok, configs: memo.size };
}

/**
 * A call whose result does not depend on the state: `getMessages({ limit: 0 })` is `[]` whatever
 * the history holds, and an implementation may answer it without a round trip (so it can settle
 * before calls issued ahead of it have taken effect). It has no effect to order: it is left out
 * of the search and its result checked on its own.
 */
export function stateless(rec: RecordedOp): boolean {
  return rec.op === "getMessages" && (rec.args[0] as { limit?: number } | undefined)?.limit === 0;
}

function toOps(recs: ReadonlyArray<{ uid: number; rec: RecordedOp }>): Op[] {
  const out: Op[] = [];
  for (const { uid, rec } of recs) {
    const kind = outcomeOf(rec);
    if (kind === "none" || stateless(rec)) continue;
    const det = kind !== "unknown";
    out.push({
      uid,
      rec,
      det,
      inv: rec.inv,
      resp: det ? rec.resp : Number.POSITIVE_INFINITY,
      call: { uid, op: rec.op, args: rec.args, defaultTtl: rec.defaultTtl },
    });
  }
  return out;
}

function chainsOf(
  ops: readonly Op[],
  programOrder: boolean | "except-modify-remove",
  unordered?: ReadonlySet<string>,
): Op[][] {
  if (!programOrder) return ops.map((op) => [op]);
  const by = new Map<string, Op[]>();
  const alone: Op[][] = [];
  for (const op of ops) {
    if (
      (programOrder === "except-modify-remove" && (op.rec.op === "modify" || op.rec.op === "remove")) ||
      unordered?.has(op.rec.client)
    ) {
      alone.push([op]);
      continue;
    }
    const list = by.get(op.rec.client) ?? [];
    list.push(op);
    by.set(op.rec.client, list);
  }
  return [...[...by.values()].map((list) => list.sort((a, b) => a.rec.seq - b.rec.seq)), ...alone];
}

interface Run {
  readonly found?: Found;
  readonly inconclusive: boolean;
}

function run(
  recs: ReadonlyArray<{ uid: number; rec: RecordedOp }>,
  book: MessageBook,
  options: CheckOptions,
): Run {
  const chains = chainsOf(toOps(recs), options.programOrder ?? true, options.unordered);
  try {
    return {
      found: search(chains, book, options.tolerance ?? TOLERANCE_MS, options.maxConfigs ?? 2_000_000),
      inconclusive: false,
    };
  } catch (err) {
    if (err instanceof Inconclusive) return { inconclusive: true };
    throw err;
  }
}

/**
 * Drops read-only calls while the sub-history stays non-linearizable (removing a read never
 * makes a linearizable history non-linearizable, so what is left is still a witness).
 */
function shrink(
  recs: ReadonlyArray<{ uid: number; rec: RecordedOp }>,
  book: MessageBook,
  options: CheckOptions,
): ReadonlyArray<{ uid: number; rec: RecordedOp }> {
  let current = [...recs];
  let budget = 150;
  for (let i = current.length - 1; i >= 0 && budget > 0; i--) {
    const r = current[i];
    if (!r || !READ_ONLY.has(r.rec.op) || outcomeOf(r.rec) !== "ok") continue;
    const trial = current.filter((_, j) => j !== i);
    budget--;
    const res = run(trial, book, { ...options, maxConfigs: 200_000 });
    if (!res.inconclusive && res.found && !res.found.ok) current = trial;
  }
  return current;
}

function report(
  conv: string,
  recs: ReadonlyArray<{ uid: number; rec: RecordedOp }>,
  found: Found,
  options: CheckOptions,
  total: number,
): string {
  const ops = toOps(recs);
  const origin = Math.min(...recs.map((r) => r.rec.inv));
  const lines: string[] = [];
  lines.push(
    `conversation ${JSON.stringify(conv)}: NOT linearizable` +
      `${options.programOrder === false ? " (even without program order)" : ""}` +
      ` — ${ops.length} calls shown (of ${total}; reads not needed for the violation left out)`,
  );
  lines.push("history (client/issue order, [invoked, responded] ms from the first call):");
  for (const op of [...ops].sort((a, b) => a.inv - b.inv || a.uid - b.uid)) lines.push(opLine(op, origin));
  lines.push(`longest linearizable prefix (${found.bestPath.filter((p) => p.applied).length} calls):`);
  lines.push(
    `  ${found.bestPath.map((p) => (p.applied ? `#${p.op.uid} ${p.op.rec.op}` : `(#${p.op.uid} skipped)`)).join(", ") || "(none)"}`,
  );
  lines.push(`model state after it: ${describeState(found.bestState, origin)}`);
  lines.push("calls that cannot come next:");
  const chains = chainsOf(ops, options.programOrder ?? true, options.unordered);
  const tol = options.tolerance ?? TOLERANCE_MS;
  for (let c = 0; c < chains.length; c++) {
    const chain = chains[c] as Op[];
    const op = chain[found.bestPos[c] as number];
    if (!op) continue;
    const pending = chains.flatMap((ch, cc) => ch.slice(found.bestPos[cc] as number)).filter((o) => o !== op);
    const minOther = Math.min(...pending.map((o) => o.resp));
    if (op.inv > minOther) {
      const first = pending.find((o) => o.resp === minOther);
      lines.push(`  #${op.uid} ${op.rec.op}: must wait for #${first?.uid} (responded before it was invoked)`);
      continue;
    }
    const w = { lo: Math.max(op.inv, found.bestNowLo), hi: Math.min(op.resp, minOther) };
    const outs = w.lo <= w.hi ? step(found.bestState, op.call, w, tol) : [];
    const expected = [...new Set(outs.map((o) => expectText(o.expect)))];
    lines.push(
      `  #${op.uid} ${op.rec.client}/${op.rec.seq} ${callText(op.rec)} -> ${resultText(op.rec)}; ` +
        `the model allows ${expected.length > 0 ? expected.join(" | ") : "no time for it here"}`,
    );
  }
  return lines.join("\n");
}

/** Checks one conversation's sub-history. `recs` carry uids unique in the history. */
export function checkConversation(
  conv: string,
  recs: ReadonlyArray<{ uid: number; rec: RecordedOp }>,
  book: MessageBook,
  options: CheckOptions = {},
): Verdict {
  const first = run(recs, book, options);
  const ops = recs.length;
  if (first.inconclusive || !first.found) return { conv, ok: false, inconclusive: true, ops, configs: 0 };
  if (first.found.ok) return { conv, ok: true, inconclusive: false, ops, configs: first.found.configs };
  if (options.report === false)
    return { conv, ok: false, inconclusive: false, ops, configs: first.found.configs };
  const small = shrink(recs, book, options);
  const again = run(small, book, options);
  const found = again.found && !again.found.ok ? again.found : first.found;
  const shown = again.found && !again.found.ok ? small : recs;
  return {
    conv,
    ok: false,
    inconclusive: false,
    ops,
    configs: first.found.configs,
    report: report(conv, shown, found, options, ops),
  };
}

/** The verdict on a whole history. */
export interface HistoryVerdict {
  readonly ok: boolean;
  readonly ops: number;
  readonly conversations: readonly Verdict[];
  /** Violations found outside the search (e.g. two generated message ids equal). */
  readonly problems: readonly string[];
}

/** Checks every conversation of a history, and the history-wide rules. */
export function checkHistory(history: readonly RecordedOp[], options: CheckOptions = {}): HistoryVerdict {
  const withUid = history.map((rec, uid) => ({ uid, rec }));
  const book = new MessageBook(withUid, options.timestampTolerance ?? options.tolerance ?? TOLERANCE_MS);
  const problems: string[] = [];
  for (const { uid, rec } of withUid) {
    if (stateless(rec) && outcomeOf(rec) !== "unknown" && !(rec.ok && JSON.stringify(rec.r) === "[[]]")) {
      problems.push(`call #${uid} ${callText(rec)} returned ${resultText(rec)}, not []`);
    }
  }
  // Generated message ids are unique.
  const seen = new Map<string, number>();
  for (const { uid, rec } of withUid) {
    if (rec.op !== "addMessage" || !rec.ok || (rec.args[3] as { id?: string } | undefined)?.id !== undefined)
      continue;
    const m = rec.r?.[0];
    if (!isObject(m) || m.content !== rec.args[1]) continue;
    const id = String(m.id);
    const other = seen.get(id);
    if (other !== undefined)
      problems.push(`calls #${other} and #${uid} both got the generated message id ${id}`);
    seen.set(id, uid);
  }
  const byConv = new Map<string, Array<{ uid: number; rec: RecordedOp }>>();
  for (const r of withUid) {
    const list = byConv.get(r.rec.conv) ?? [];
    list.push(r);
    byConv.set(r.rec.conv, list);
  }
  const conversations = [...byConv].map(([conv, recs]) => checkConversation(conv, recs, book, options));
  return {
    ok: problems.length === 0 && conversations.every((v) => v.ok),
    ops: history.length,
    conversations,
    problems,
  };
}

/** The failure reports of a verdict, as text. */
export function describeVerdict(v: HistoryVerdict): string {
  const parts = [...v.problems];
  for (const c of v.conversations) {
    if (c.inconclusive) parts.push(`conversation ${JSON.stringify(c.conv)}: search gave up (inconclusive)`);
    else if (!c.ok && c.report) parts.push(c.report);
  }
  return parts.join("\n\n");
}

/**
 * What kind of violation a failing history shows, found by re-checking it under relaxations
 * (the strict check is the verdict; this only names it):
 *
 * - "call order after modify/remove": linearizable once modify/remove calls are left out of
 *   their manager's program order (calls issued after them did not wait for them);
 * - "call order": linearizable once program order is dropped altogether (named by the batch of
 *   the one manager whose order, once dropped, suffices: delete+write+read of one field, the same
 *   on the history, or other);
 * - "message timestamp": linearizable once message timestamps may be 1 s off the server clock;
 * - "lost update (incr)" / "lost update (append)": two acknowledged calls from different managers
 *   with overlapping intervals started from the same value (counter value minus increment, list
 *   length minus elements added);
 * - "expiry": linearizable with a clock tolerance of 400 ms (a field lived too long or too short,
 *   by less than that); combined with the call-order relaxations when both are needed;
 * - "atomicity": none of these (a duplicated, invented or lost value of another kind).
 */
export function classify(history: readonly RecordedOp[]): string[] {
  const labels = new Set<string>();
  const strict = checkHistory(history, { report: false });
  if (strict.problems.length > 0) labels.add("history rule");
  for (const v of strict.conversations) {
    if (v.ok) continue;
    if (v.inconclusive) {
      labels.add("inconclusive");
      continue;
    }
    const sub = history.filter((r) => r.conv === v.conv);
    const again = (options: CheckOptions): boolean =>
      checkHistory(sub, { ...options, maxConfigs: 300_000 }).ok;
    const lost = lostUpdate(sub);
    const relaxations: Array<[string, CheckOptions]> = [
      ["call order after modify/remove", { programOrder: "except-modify-remove" }],
      ["call order", { programOrder: false }],
      ["message timestamp", { timestampTolerance: 1000 }],
      ["expiry", { tolerance: 400 }],
      ["call order after modify/remove + expiry", { programOrder: "except-modify-remove", tolerance: 400 }],
      ["call order + expiry", { programOrder: false, tolerance: 400 }],
    ];
    const found = relaxations.find(([name, options]) => !(lost && name.includes("expiry")) && again(options));
    if (found?.[0] === "call order") labels.add(callOrderShape(sub, again));
    else labels.add(found?.[0] ?? lost ?? "atomicity");
  }
  return [...labels];
}

/** The calls of one client issued together (each invoked before the previous ones responded). */
function batchesOf(sub: readonly RecordedOp[], client: string): RecordedOp[][] {
  const mine = sub.filter((r) => r.client === client).sort((a, b) => a.seq - b.seq);
  const out: RecordedOp[][] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const r of mine) {
    const resp = r.ok || outcomeOf(r) === "error" ? r.resp : Number.POSITIVE_INFINITY;
    const last = out[out.length - 1];
    if (last && r.inv <= end) {
      last.push(r);
      end = Math.max(end, resp);
    } else {
      out.push([r]);
      end = resp;
    }
  }
  return out.filter((b) => b.length > 1);
}

const READS = new Set([
  "get",
  "has",
  "getList",
  "listLength",
  "getMessages",
  "getMessageCount",
  "keys",
  "items",
]);

/**
 * Names a call-order violation by the batch it needs reordered: the client whose calls, once out
 * of program order, make the history linearizable, and what that client's batches mix.
 */
function callOrderShape(sub: readonly RecordedOp[], again: (o: CheckOptions) => boolean): string {
  const clients = [...new Set(sub.map((r) => r.client))];
  const culprit = clients.find((c) => again({ unordered: new Set([c]) }));
  if (culprit === undefined) return "call order (several managers)";
  for (const batch of batchesOf(sub, culprit)) {
    const field = (r: RecordedOp): string | undefined =>
      r.op === "addMessage" || r.op === "getMessages" || r.op === "getMessageCount"
        ? "messages"
        : typeof r.args[0] === "string"
          ? r.args[0]
          : undefined;
    for (const f of new Set(batch.map(field))) {
      if (f === undefined) continue;
      const on = batch.filter((r) => field(r) === f);
      const deletes = on.some((r) => r.op === "delete");
      const writes = on.some((r) => r.op !== "delete" && !READS.has(r.op));
      const reads = on.some((r) => READS.has(r.op)) || on.filter((r) => r.op === "delete").length > 1;
      if (deletes && writes && reads) {
        return f === "messages"
          ? "call order (delete+addMessage+read of messages)"
          : "call order (delete+write+read of a field)";
      }
    }
  }
  return "call order (other)";
}

/** The value a counter or list had before an acknowledged incr/append/extend, if known. */
function base(r: RecordedOp): number | undefined {
  const result = r.r?.[0];
  if (typeof result !== "number") return undefined;
  if (r.op === "incr") return result - ((r.args[1] as number | undefined) ?? 1);
  if (r.op === "append" && r.args[2] === undefined) return result - 1;
  if (r.op === "extend" && r.args[2] === undefined) return result - (r.args[1] as unknown[]).length;
  return undefined;
}

function lostUpdate(sub: readonly RecordedOp[]): string | undefined {
  const acked = sub.filter((r) => r.ok && base(r) !== undefined);
  for (let i = 0; i < acked.length; i++) {
    for (let j = i + 1; j < acked.length; j++) {
      const a = acked[i] as RecordedOp;
      const b = acked[j] as RecordedOp;
      if (a.client === b.client || a.args[0] !== b.args[0]) continue;
      if (a.inv > b.resp || b.inv > a.resp) continue;
      if (base(a) !== base(b)) continue;
      const kind = a.op === "incr" ? "incr" : "append";
      const start = Math.min(a.inv, b.inv);
      const cleared = sub.some(
        (r) =>
          r.client !== a.client &&
          r.client !== b.client &&
          r.inv < start &&
          r.inv > start - 300 &&
          ((r.op === "delete" && r.args[0] === a.args[0]) || r.op === "clearAll"),
      );
      return `lost update (${kind}${cleared ? " after another manager's delete/clearAll" : ""})`;
    }
  }
  return undefined;
}

/**
 * Random histories for the linearizability checker: a seeded plan per client (which calls, on
 * which conversation, when), drawn from every operation the model knows, on a few shared
 * conversations and a small field set ("a", "b", "n" a counter, "l" a list, "messages").
 *
 * Each client's plan is a list of steps with a start time (ms after the history starts): an
 * awaited call, a batch of 2–4 calls on one conversation issued together (`Promise.all`), or a
 * batch followed at once by `manager.close()` (then the client goes on with a new manager).
 * Besides background steps at random times, the generator places shapes that stress what the
 * contract promises, across clients at aligned times:
 *
 * - contention after a delete: A writes a field, C deletes it (or clears the conversation),
 *   then A and B run the same read-modify-write (`incr`, `append`, `addMessage`, `modify`)
 *   together;
 * - a batch right after a write: one client writes a field, then issues a batch mixing
 *   delete/set/get/incr/append/reads of that field (call order within a manager);
 * - deadline probes: a write, then another client's read close to where the field or the
 *   conversation should expire (TTLs are 1–3 s, so expiry happens inside histories).
 */
import type { ModifySpec, OpName } from "./model.js";

/** One call of a plan. */
export interface OpSpec {
  readonly conv: string;
  readonly op: OpName;
  readonly args: readonly unknown[];
}

/**
 * One step of a client: `call` issues its calls together and awaits them all (one call: a plain
 * awaited call); `close` issues them, then closes the manager after `delayMs` (0: right away)
 * and continues with a new manager.
 */
export type Step =
  | { readonly at: number; readonly kind: "call"; readonly ops: readonly OpSpec[] }
  | {
      readonly at: number;
      readonly kind: "close";
      readonly ops: readonly OpSpec[];
      readonly delayMs: number;
    };

export interface ClientPlan {
  readonly client: string;
  readonly steps: readonly Step[];
}

export interface HistoryPlan {
  readonly seed: number;
  /** `defaultTtl` of every manager of the history, seconds. */
  readonly defaultTtl: number;
  readonly conversations: readonly string[];
  readonly clients: readonly ClientPlan[];
}

export interface GenerateOptions {
  /** Clients (managers) in the history. @default 4 */
  clients?: number;
  /** Minimum calls per client. @default 22 */
  minOps?: number;
  /** Approximate length of the history, ms. @default 2200 */
  durationMs?: number;
  /** Allow `close()` steps. @default true */
  allowClose?: boolean;
  /** Chance that a history may use `setTtl(null)` / `{ ttl: null }`. @default 0.12 */
  nullChance?: number;
}

/** mulberry32: a small seeded PRNG, so a failing history can be replayed from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIELDS = ["a", "b", "n", "l", "messages"] as const;
export type FieldName = (typeof FIELDS)[number];

/** Explicit message ids: a small pool, so redeliveries (idempotency) happen often. */
const MESSAGE_IDS = ["m1", "m2", "m3", "m4"];

class Gen {
  private readonly rnd: () => number;
  private counter = 0;
  readonly allowNull: boolean;
  /** `defaultTtl` of the history's managers, seconds. */
  readonly defaultTtl: number;

  constructor(seed: number, nullChance: number) {
    this.rnd = mulberry32(seed);
    this.allowNull = this.rnd() < nullChance;
    this.defaultTtl = this.int(1, 3);
  }

  random(): number {
    return this.rnd();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  weighted<T>(table: ReadonlyArray<readonly [number, T]>): T {
    const total = table.reduce((sum, [w]) => sum + w, 0);
    let x = this.rnd() * total;
    for (const [w, v] of table) {
      x -= w;
      if (x < 0) return v;
    }
    return (table[table.length - 1] as readonly [number, T])[1];
  }
  next(): number {
    return ++this.counter;
  }

  // ---- values ---------------------------------------------------------------------------------

  scalar(): unknown {
    return this.weighted<() => unknown>([
      [4, () => this.int(0, 9)],
      [4, () => `s${this.int(0, 9)}`],
      [1, () => ({ k: this.int(0, 3) })],
      [1, () => null],
      [1, () => true],
      [1, () => [this.int(0, 3)]],
    ])();
  }
  element(): unknown {
    return this.weighted<() => unknown>([
      [4, () => this.int(0, 5)],
      [3, () => `e${this.int(0, 3)}`],
      [1, () => ({ p: 1, q: this.int(0, 1) })],
    ])();
  }
  /** The same element as `element()` might produce, with object keys in another order. */
  elementToRemove(): unknown {
    const e = this.element();
    if (e !== null && typeof e === "object") {
      const { p, q } = e as { p: number; q: number };
      return this.chance(0.5) ? { q, p } : { p, q };
    }
    return e;
  }
  valueFor(field: FieldName): unknown {
    switch (field) {
      case "n":
        return this.chance(0.9) ? this.int(0, 20) : `s${this.int(0, 3)}`;
      case "l":
        return this.chance(0.85)
          ? Array.from({ length: this.int(0, 3) }, () => this.element())
          : this.scalar();
      default:
        return this.scalar();
    }
  }
  modifySpec(): ModifySpec {
    const spec = { ch: this.pick(["x", "y", "z"]), k: this.int(1, 3) };
    if (this.chance(0.25)) return { ...spec, fallback: this.pick([0, ""]) };
    return spec;
  }
  ttl(): number | null {
    return this.allowNull && this.chance(0.2) ? null : this.int(1, 2);
  }
  convTtl(): number | null {
    return this.allowNull && this.chance(0.15) ? null : this.int(1, 3);
  }

  // ---- calls ----------------------------------------------------------------------------------

  /** A message with a content unique in the history (so reads can tell messages apart). */
  addMessage(client: string, conv: string): OpSpec {
    const n = this.next();
    const role = this.pick(["user", "assistant"]);
    const content = `${client}:${n}`;
    const metadata = this.chance(0.5) ? { i: n } : {};
    const options: { id?: string; maxMessages?: number } = {};
    if (this.chance(0.55)) options.id = this.pick(MESSAGE_IDS);
    if (this.chance(0.12)) options.maxMessages = this.int(2, 4);
    const args =
      Object.keys(options).length > 0 ? [role, content, metadata, options] : [role, content, metadata];
    return { conv, op: "addMessage", args };
  }

  /** A write of `field` that keeps its kind (the "recent write" before a batch or contention). */
  writeOf(client: string, conv: string, field: FieldName): OpSpec {
    switch (field) {
      case "n":
        return this.chance(0.7)
          ? { conv, op: "incr", args: ["n", this.int(1, 3)] }
          : { conv, op: "set", args: ["n", this.int(0, 9)] };
      case "l":
        return this.chance(0.7)
          ? { conv, op: "append", args: ["l", this.element()] }
          : { conv, op: "set", args: ["l", [this.element()]] };
      case "messages":
        return this.addMessage(client, conv);
      default:
        return this.chance(0.7)
          ? { conv, op: "set", args: [field, this.scalar()] }
          : { conv, op: "modify", args: [field, this.modifySpec()] };
    }
  }

  /** A read-modify-write of `field` (what two clients race on). */
  rmwOf(client: string, conv: string, field: FieldName): OpSpec {
    switch (field) {
      case "n":
        return this.chance(0.8)
          ? { conv, op: "incr", args: this.chance(0.5) ? ["n"] : ["n", this.int(1, 3)] }
          : { conv, op: "modify", args: ["n", this.modifySpec()] };
      case "l":
        return this.chance(0.8)
          ? { conv, op: "append", args: ["l", this.element()] }
          : { conv, op: "extend", args: ["l", [this.element(), this.element()]] };
      case "messages":
        return this.addMessage(client, conv);
      default:
        return this.chance(0.6)
          ? { conv, op: "modify", args: [field, this.modifySpec()] }
          : { conv, op: "set", args: [field, this.scalar()] };
    }
  }

  /** A read of `field`. */
  readOf(conv: string, field: FieldName): OpSpec {
    if (field === "messages") {
      return this.weighted<OpSpec>([
        [3, { conv, op: "getMessages", args: this.chance(0.5) ? [] : [{ limit: this.int(0, 4) }] }],
        [1, { conv, op: "getMessageCount", args: [] }],
        [1, { conv, op: "has", args: ["messages"] }],
      ]);
    }
    if (field === "l") {
      return this.weighted<OpSpec>([
        [3, { conv, op: "getList", args: ["l"] }],
        [2, { conv, op: "listLength", args: ["l"] }],
        [1, { conv, op: "get", args: ["l"] }],
      ]);
    }
    return this.weighted<OpSpec>([
      [4, { conv, op: "get", args: [field] }],
      [1, { conv, op: "has", args: [field] }],
    ]);
  }

  /** Any call on `conv` (the background mix; every operation of the model). */
  anyOp(client: string, conv: string): OpSpec {
    const scalarField = (): FieldName =>
      this.weighted<FieldName>([
        [3, "a"],
        [2, "b"],
        [1, "n"],
        [1, "l"],
      ]);
    const anyField = (): FieldName =>
      this.weighted<FieldName>([
        [3, "a"],
        [2, "b"],
        [3, "n"],
        [3, "l"],
        [1, "messages"],
      ]);
    const listOptions = (): unknown[] =>
      this.pick([
        [],
        [{ start: -2 }],
        [{ start: 0, end: 2 }],
        [{ start: 1 }],
        [{ end: -1 }],
        [{ start: -3, end: -1 }],
      ]);
    const table: ReadonlyArray<readonly [number, () => OpSpec]> = [
      [10, () => this.readOf(conv, anyField())],
      [2, () => ({ conv, op: "get", args: [scalarField(), "fb"] })],
      [
        9,
        () => {
          const f = scalarField();
          return { conv, op: "set", args: [f, this.valueFor(f)] };
        },
      ],
      [4, () => ({ conv, op: "set", args: [scalarField(), this.scalar(), { ttl: this.ttl() }] })],
      [
        2,
        () => ({
          conv,
          op: "update",
          args: [this.chance(0.5) ? { a: this.scalar(), b: this.scalar() } : { n: this.int(0, 5) }],
        }),
      ],
      [6, () => ({ conv, op: "delete", args: [anyField()] })],
      [
        7,
        () => {
          const f = this.weighted<FieldName>([
            [6, "n"],
            [1, "a"],
            [1, "l"],
          ]);
          if (this.chance(0.03))
            return { conv, op: "incr", args: [f, Number.MAX_SAFE_INTEGER - this.int(0, 3)] };
          return { conv, op: "incr", args: this.chance(0.4) ? [f] : [f, this.pick([1, 2, 3, -1])] };
        },
      ],
      [
        5,
        () => ({ conv, op: "modify", args: [this.pick<FieldName>(["a", "b", "n", "l"]), this.modifySpec()] }),
      ],
      [
        6,
        () => ({
          conv,
          op: "append",
          args: this.chance(0.2)
            ? ["l", this.element(), { maxLength: this.int(2, 4) }]
            : ["l", this.element()],
        }),
      ],
      [
        2,
        () => ({
          conv,
          op: "extend",
          args: [
            this.chance(0.9) ? "l" : "a",
            Array.from({ length: this.int(0, 3) }, () => this.element()),
            ...(this.chance(0.2) ? [{ maxLength: this.int(2, 4) }] : []),
          ],
        }),
      ],
      [3, () => ({ conv, op: "pop", args: this.chance(0.5) ? ["l"] : ["l", this.int(-3, 3)] })],
      [2, () => ({ conv, op: "insert", args: ["l", this.int(-4, 4), this.element()] })],
      [2, () => ({ conv, op: "remove", args: [this.chance(0.9) ? "l" : "a", this.elementToRemove()] })],
      [3, () => ({ conv, op: "getList", args: [this.chance(0.9) ? "l" : "a", ...listOptions()] })],
      [2, () => ({ conv, op: "listLength", args: [this.chance(0.9) ? "l" : "a"] })],
      [7, () => this.addMessage(client, conv)],
      [4, () => ({ conv, op: "getMessages", args: this.chance(0.5) ? [] : [{ limit: this.int(0, 4) }] })],
      [2, () => ({ conv, op: "getMessageCount", args: [] })],
      [1, () => ({ conv, op: "getList", args: ["messages", ...listOptions()] })],
      [3, () => ({ conv, op: "keys", args: [] })],
      [3, () => ({ conv, op: "items", args: [] })],
      [4, () => ({ conv, op: "getTtl", args: [] })],
      [2, () => ({ conv, op: "getMemorySize", args: [] })],
      [3, () => ({ conv, op: "setTtl", args: [this.convTtl()] })],
      [1, () => ({ conv, op: "clearAll", args: [] })],
    ];
    return this.weighted(table)();
  }

  /** 2–4 calls on one field, at least one of them a delete or a set (call order in a batch). */
  batchOn(client: string, conv: string, field: FieldName): OpSpec[] {
    const n = this.int(2, 4);
    const out: OpSpec[] = [];
    for (let i = 0; i < n; i++) {
      const kind = this.weighted<"delete" | "write" | "rmw" | "read">([
        [2, "delete"],
        [2, "write"],
        [2, "rmw"],
        [3, "read"],
      ]);
      if (kind === "delete") out.push({ conv, op: "delete", args: [field] });
      else if (kind === "write") out.push(this.writeOf(client, conv, field));
      else if (kind === "rmw") out.push(this.rmwOf(client, conv, field));
      else out.push(this.readOf(conv, field));
    }
    if (!out.some((o) => o.op === "delete" || o.op === "set")) {
      out[this.int(0, out.length - 1)] = this.chance(0.6)
        ? { conv, op: "delete", args: [field] }
        : field === "messages"
          ? { conv, op: "delete", args: [field] }
          : { conv, op: "set", args: [field, this.valueFor(field)] };
    }
    if (out[out.length - 1]?.op === "delete" || this.chance(0.5)) out.push(this.readOf(conv, field));
    return out.slice(0, 4);
  }

  /** 2–4 calls of the background mix on one conversation. */
  batchAny(client: string, conv: string): OpSpec[] {
    return Array.from({ length: this.int(2, 4) }, () => this.anyOp(client, conv));
  }
}

interface Draft {
  at: number;
  step: Step;
}

/** The plan of one history (deterministic in `seed`). */
export function generateHistory(seed: number, options: GenerateOptions = {}): HistoryPlan {
  const g = new Gen(seed, options.nullChance ?? 0.12);
  const clientCount = options.clients ?? 4;
  const minOps = options.minOps ?? 22;
  const duration = options.durationMs ?? 2200;
  const allowClose = options.allowClose ?? true;
  const conversations = Array.from({ length: g.int(2, 3) }, (_, i) => `c${i}`);
  const clients = Array.from({ length: clientCount }, (_, i) => `k${i}`);
  const drafts = new Map<string, Draft[]>(clients.map((c) => [c, []]));
  const add = (client: string, at: number, ops: OpSpec[], close?: number): void => {
    const step: Step =
      close === undefined ? { at, kind: "call", ops } : { at, kind: "close", ops, delayMs: close };
    drafts.get(client)?.push({ at, step });
  };
  const others = (k: number, not: readonly string[]): string[] => {
    const pool = clients.filter((c) => !not.includes(c));
    const out: string[] = [];
    while (out.length < k && pool.length > 0) out.push(...pool.splice(g.int(0, pool.length - 1), 1));
    return out;
  };
  const someTime = (room = 300): number => g.int(0, Math.max(0, duration - room));
  const hotField = (): FieldName =>
    g.weighted<FieldName>([
      [4, "n"],
      [2, "l"],
      [2, "messages"],
      [2, "a"],
    ]);

  // Contention after a delete (or without one).
  for (let i = g.int(2, 4); i > 0; i--) {
    const [a, b, c] = others(3, []) as [string, string, string];
    const conv = g.pick(conversations);
    const field = hotField();
    const t = someTime(400);
    add(a, t, [g.writeOf(a, conv, field)]);
    let t2 = t + g.int(10, 120);
    if (g.chance(0.8)) {
      add(c, t2, [
        g.chance(0.85) ? { conv, op: "delete", args: [field] } : { conv, op: "clearAll", args: [] },
      ]);
      t2 += g.int(3, 40);
    }
    add(a, t2, [g.rmwOf(a, conv, field)]);
    add(b, t2 + g.int(0, 2), [g.rmwOf(b, conv, field)]);
    if (g.chance(0.5)) add(c, t2 + g.int(5, 40), [g.readOf(conv, field)]);
  }

  // A batch right after a write, by the same client.
  for (let i = g.int(2, 4); i > 0; i--) {
    const [a] = others(1, []) as [string];
    const conv = g.pick(conversations);
    const field = hotField();
    const t = someTime(300);
    add(a, t, [g.writeOf(a, conv, field)]);
    add(a, t + g.int(0, 150), g.batchOn(a, conv, field));
  }

  // Deadline probes: a write, then another client's read near the expected expiry.
  for (let i = g.int(0, 2); i > 0; i--) {
    const [a, b] = others(2, []) as [string, string];
    const conv = g.pick(conversations);
    const t = someTime(1200);
    const pinned = g.chance(0.4);
    const ttl = pinned ? 1 : g.defaultTtl;
    add(a, t, [pinned ? { conv, op: "set", args: ["a", g.scalar(), { ttl: 1 }] } : g.writeOf(a, conv, "b")]);
    const probe = g.pick<OpSpec>([
      { conv, op: "get", args: [pinned ? "a" : "b"] },
      { conv, op: "getTtl", args: [] },
      { conv, op: "keys", args: [] },
    ]);
    add(b, t + ttl * 1000 + g.int(-40, 40), [probe]);
  }

  // One close with calls in flight, in some histories.
  if (allowClose && g.chance(0.15)) {
    const [a] = others(1, []) as [string];
    const conv = g.pick(conversations);
    add(a, someTime(200), g.batchAny(a, conv).slice(0, g.int(1, 3)), g.int(0, 2));
  }

  // Background, until every client has its minimum of calls.
  for (const client of clients) {
    const list = drafts.get(client) as Draft[];
    let count = list.reduce((sum, d) => sum + d.step.ops.length, 0);
    while (count < minOps || g.chance(0.15)) {
      const conv = g.pick(conversations);
      const ops = g.chance(0.3) ? g.batchAny(client, conv) : [g.anyOp(client, conv)];
      add(client, someTime(0), ops);
      count += ops.length;
    }
  }

  return {
    seed,
    defaultTtl: g.defaultTtl,
    conversations,
    clients: clients.map((client) => ({
      client,
      steps: (drafts.get(client) as Draft[]).sort((x, y) => x.at - y.at).map((d) => d.step),
    })),
  };
}

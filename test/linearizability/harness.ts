/**
 * Runs generated histories against a real Redis (clients in this process and in a child
 * process) or against one shared `InMemoryStore`, many at once, each on its own key prefix;
 * reads the final state through a fresh manager, checks two invariants directly in Redis, and
 * hands every history to the checker. Used by linearizability.test.ts (CI size) and long.ts.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "redis";
import { createMemoryManager, InMemoryStore, type MemoryManager, type MemoryStore } from "../../src/index.js";
import { fixture, type NodeChild, runNode } from "../helpers/node-child.js";
import { checkHistory, type HistoryVerdict, type RecordedOp } from "./checker.js";
import { type ClientPlan, type GenerateOptions, generateHistory, type HistoryPlan } from "./generate.js";

/** test/fixtures/lin-runner.mjs, shared with the child-process clients. */
interface Runner {
  runClient(
    plan: ClientPlan,
    makeManager: () => MemoryManager,
    startAt: number,
    defaultTtl: number | null,
  ): Promise<RecordedOp[]>;
}

let runner: Runner | undefined;

/** Loads the client runner (plain JS, so that the child process can use it unchanged). */
export async function loadRunner(): Promise<Runner> {
  runner ??= (await import(pathToFileURL(fixture("lin-runner.mjs")).href)) as Runner;
  return runner;
}

export interface HistoryResult {
  readonly index: number;
  readonly seed: number;
  readonly plan: HistoryPlan;
  readonly history: readonly RecordedOp[];
  readonly verdict: HistoryVerdict;
  /** Violations of the Redis key invariants (expiry of every key; message-id index TTL). */
  readonly keyProblems: readonly string[];
  readonly ok: boolean;
  /** When the history finished, ms after the run started. */
  readonly finishedAt: number;
}

export interface RunOptions {
  /** Stop after this many histories. */
  histories?: number;
  /** Or stop starting new histories at this time (Date.now()). */
  until?: number;
  /** Histories run at once. @default 64 */
  concurrency?: number;
  /** Seed of the first history (history i uses seed + i). */
  seed: number;
  /** Of each history's clients, how many run in the child process (Redis only). @default 2 */
  childClients?: number;
  /** `timeoutMs` of every manager. @default 3000 */
  timeoutMs?: number;
  generate?: GenerateOptions;
  /** Write each anomalous history to `<dumpDir>/<seed>.json` (for `long.js --recheck`). */
  dumpDir?: string;
  /** Failure reports to build (each shrinks its history; later failures are only counted). @default 20 */
  reports?: number;
  /** Called for each finished history; return "stop" to start no new ones. */
  onResult?: (r: HistoryResult) => undefined | "stop";
}

export interface RunSummary {
  histories: number;
  ops: number;
  failures: HistoryResult[];
  ms: number;
  /** The fewest clients in one history, and the fewest calls one client issued in a history. */
  minClients: number;
  minCallsPerClient: number;
  /** Time spent in the checker, ms (all histories). */
  checkMs: number;
  /** The slowest single history check, ms. */
  slowestCheckMs: number;
  /** What the child process printed on stderr (e.g. handles left open after close()). */
  warnings: string;
}

/** The final reads, after every client is done: through a fresh manager. */
function finalPlan(plan: HistoryPlan): ClientPlan {
  const ops = plan.conversations.flatMap((conv) =>
    (["keys", "items", "getTtl", "getMessages", "getMemorySize"] as const).map((op) => ({
      conv,
      op,
      args: [],
    })),
  );
  return { client: "final", steps: ops.map((op) => ({ at: 0, kind: "call" as const, ops: [op] })) };
}

/** Child-process host of clients: many histories' clients at once. */
class ChildClients {
  private readonly child: NodeChild;
  private readonly waiting = new Map<
    string,
    { resolve: (r: RecordedOp[]) => void; reject: (e: Error) => void }
  >();
  private next = 0;
  private reading: Promise<void> | undefined;

  constructor() {
    this.child = runNode(fixture("lin-client.mjs"));
  }

  async start(): Promise<void> {
    const first = await this.child.nextLine();
    if (first !== "ready") throw new Error(`lin-client.mjs said ${first}`);
    this.reading = this.read();
  }

  private async read(): Promise<void> {
    for (;;) {
      let line: string;
      try {
        line = await this.child.nextLine();
      } catch (err) {
        for (const w of this.waiting.values()) w.reject(err as Error);
        this.waiting.clear();
        return;
      }
      const msg = JSON.parse(line) as { id: string; records?: RecordedOp[]; error?: string };
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.records) w?.resolve(msg.records);
      else w?.reject(new Error(`child client failed: ${msg.error}`));
    }
  }

  run(plan: ClientPlan, startAt: number, manager: Record<string, unknown>): Promise<RecordedOp[]> {
    const id = String(this.next++);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send(JSON.stringify({ id, plan, startAt, manager }));
    });
  }

  /** Ends the child; resolves to what it printed on stderr (warnings). */
  async stop(): Promise<string> {
    this.child.process.stdin?.end();
    const exit = await this.child.exit(20_000);
    await this.reading;
    if (exit.code !== 0) throw new Error(`lin-client.mjs exited with ${exit.code}: ${exit.stderr}`);
    return exit.stderr;
  }
}

type Raw = ReturnType<typeof createClient>;

async function scanKeys(raw: Raw, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const reply = await raw.scan(cursor, { MATCH: `${prefix}:*`, COUNT: 1000 });
    cursor = String(reply.cursor);
    keys.push(...reply.keys.map(String));
  } while (cursor !== "0");
  return keys;
}

/** Conversations of the history that may legitimately hold keys without expiry. */
function persistentConversations(history: readonly RecordedOp[]): Set<string> {
  const out = new Set<string>();
  for (const r of history) {
    if (r.op === "setTtl" && r.args[0] === null) out.add(r.conv);
    const options = r.op === "set" ? (r.args[2] as { ttl?: number | null } | undefined) : undefined;
    if (options && "ttl" in options && options.ttl === null) out.add(r.conv);
  }
  return out;
}

/**
 * The Redis invariants at the end of a history: every conversation key has an expiry (unless the
 * conversation used setTtl(null) or a ttl:null pin), and a conversation's message-id index lives
 * at least as long as its `messages` list and no longer than its meta hash (PTTLs ± 50 ms), or
 * does not exist; its liveness key lives no longer than its meta hash.
 */
async function keyInvariants(raw: Raw, prefix: string, history: readonly RecordedOp[]): Promise<string[]> {
  const problems: string[] = [];
  const keys = (await scanKeys(raw, prefix)).filter((k) => !k.startsWith(`${prefix}:reg:`));
  const pttls = await Promise.all(keys.map((k) => raw.pTTL(k)));
  const persistent = persistentConversations(history);
  const convOf = (key: string): string => /\{([^}]*)\}/.exec(key)?.[1] ?? "?";
  keys.forEach((key, i) => {
    if (pttls[i] === -1 && !persistent.has(convOf(key))) problems.push(`key ${key} has no expiry (PTTL -1)`);
  });
  const forever = (ms: number) => (ms === -1 ? Number.POSITIVE_INFINITY : ms);
  for (const key of keys.filter((k) => k.endsWith(":messages") && k.includes(":conv:"))) {
    const conv = convOf(key);
    const mids = `${prefix}:mids:{${conv}}`;
    const meta = `${prefix}:meta:{${conv}}`;
    const [a, b, c] = (await Promise.all([raw.pTTL(key), raw.pTTL(mids), raw.pTTL(meta)])).map(forever) as [
      number,
      number,
      number,
    ];
    if (a === -2 || b === -2) continue;
    if (b < a - 50) problems.push(`${key} has PTTL ${a} but ${mids} only ${b}`);
    if (c !== -2 && b > c + 50) problems.push(`${mids} has PTTL ${b} but ${meta} only ${c}`);
  }
  // The liveness key expires with the conversation's deadline: never after its meta hash.
  for (const key of keys.filter((k) => k.includes(":live:{"))) {
    const meta = `${prefix}:meta:{${convOf(key)}}`;
    const [a, c] = (await Promise.all([raw.pTTL(key), raw.pTTL(meta)])).map(forever) as [number, number];
    if (a !== -2 && c === -2) problems.push(`${key} outlives ${meta}`);
    if (a !== -2 && c !== -2 && a > c + 50) problems.push(`${key} has PTTL ${a} but ${meta} only ${c}`);
  }
  return problems;
}

async function unlinkAll(raw: Raw, prefix: string): Promise<void> {
  const keys = await scanKeys(raw, prefix);
  if (keys.length > 0) await raw.unlink(keys);
}

/** A manager on a shared in-memory store whose `close()` leaves the store open. */
function sharedStore(store: InMemoryStore): MemoryStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "close") return async () => {};
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Runs histories against `redisUrl` (or, when it is undefined, an InMemoryStore per history). */
export async function runHistories(redisUrl: string | undefined, options: RunOptions): Promise<RunSummary> {
  const r = await loadRunner();
  const started = Date.now();
  const concurrency = options.concurrency ?? 64;
  const timeoutMs = options.timeoutMs ?? 3000;
  const childClients = redisUrl === undefined ? 0 : (options.childClients ?? 2);
  const runTag = randomUUID().slice(0, 8);
  const child = childClients > 0 ? new ChildClients() : undefined;
  await child?.start();
  const raw: Raw | undefined = redisUrl === undefined ? undefined : createClient({ url: redisUrl });
  await raw?.connect();
  const summary: RunSummary = {
    histories: 0,
    ops: 0,
    failures: [],
    ms: 0,
    minClients: Number.POSITIVE_INFINITY,
    minCallsPerClient: Number.POSITIVE_INFINITY,
    checkMs: 0,
    slowestCheckMs: 0,
    warnings: "",
  };
  let started_ = 0;
  let reportsLeft = options.reports ?? 20;
  let stop = false;
  const more = (): boolean =>
    !stop &&
    (options.histories === undefined || started_ < options.histories) &&
    (options.until === undefined || Date.now() < options.until);

  const one = async (index: number): Promise<HistoryResult> => {
    const seed = options.seed + index;
    const generate = redisUrl === undefined ? { allowClose: false, ...options.generate } : options.generate;
    const plan = generateHistory(seed, generate);
    const keyPrefix = `lin:${runTag}:${index}`;
    const memoryStore = redisUrl === undefined ? new InMemoryStore() : undefined;
    const shared = memoryStore ? sharedStore(memoryStore) : undefined;
    const makeManager = (): MemoryManager =>
      shared
        ? createMemoryManager({ store: shared, defaultTtl: plan.defaultTtl })
        : createMemoryManager({ redis: redisUrl, keyPrefix, defaultTtl: plan.defaultTtl, timeoutMs });
    const startAt = Date.now() + 30;
    const parts = await Promise.all(
      plan.clients.map((cp, i) =>
        child && i >= plan.clients.length - childClients
          ? child.run(cp, startAt, { url: redisUrl, keyPrefix, defaultTtl: plan.defaultTtl, timeoutMs })
          : r.runClient(cp, makeManager, startAt, plan.defaultTtl),
      ),
    );
    const finalReads = await r.runClient(finalPlan(plan), makeManager, 0, plan.defaultTtl);
    const history = [...parts.flat(), ...finalReads];
    let keyProblems: string[] = [];
    if (raw) {
      keyProblems = await keyInvariants(raw, keyPrefix, history);
      await unlinkAll(raw, keyPrefix);
    }
    await memoryStore?.close();
    const checkStart = performance.now();
    const verdict = checkHistory(history, { report: reportsLeft > 0 });
    const checkMs = performance.now() - checkStart;
    summary.checkMs += checkMs;
    summary.slowestCheckMs = Math.max(summary.slowestCheckMs, checkMs);
    if (!verdict.ok) reportsLeft--;
    if ((!verdict.ok || keyProblems.length > 0) && options.dumpDir !== undefined) {
      mkdirSync(options.dumpDir, { recursive: true });
      writeFileSync(join(options.dumpDir, `${seed}.json`), JSON.stringify(history));
    }
    return {
      index,
      seed,
      plan,
      history,
      verdict,
      keyProblems,
      ok: verdict.ok && keyProblems.length === 0,
      finishedAt: Date.now() - started,
    };
  };

  const worker = async (): Promise<void> => {
    while (more()) {
      const index = started_++;
      const result = await one(index);
      summary.histories++;
      summary.ops += result.history.length;
      const perClient = new Map<string, number>();
      for (const rec of result.history) {
        const client = rec.client.split(".")[0] as string;
        if (client !== "final") perClient.set(client, (perClient.get(client) ?? 0) + 1);
      }
      summary.minClients = Math.min(summary.minClients, perClient.size);
      summary.minCallsPerClient = Math.min(summary.minCallsPerClient, ...perClient.values());
      if (!result.ok) summary.failures.push(result);
      if (options.onResult?.(result) === "stop") stop = true;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await raw?.quit();
    summary.warnings = (await child?.stop()) ?? "";
  }
  summary.ms = Date.now() - started;
  return summary;
}

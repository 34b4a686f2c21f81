/**
 * Faults against a real redis-server the test controls:
 *
 * - SIGKILL and restart (`appendonly yes`, `appendfsync always`) twice under sustained load
 *   from another process: calls made while Redis is down reject with StoreUnavailableError
 *   within the bound and are not applied later; the client reconnects by itself (time
 *   measured and reported); every acknowledged write is there afterwards; no unhandled
 *   rejection; the process keeps serving and exits by itself after close().
 * - Redis restarted and still loading its dataset: calls fail with StoreUnavailableError
 *   (not StoreError) until it serves again.
 * - Redis down when the manager starts, then started: convmem connects by itself.
 * - A server that accepts connections but never answers: the documented default bound
 *   (5000 ms) holds, for the first call and for later ones.
 * - Redis restarted empty (no persistence): convmem keeps working (its Functions library loaded again), and the
 *   registry agrees with the data: no ghost conversations in stats, cleanup removes the rest.
 * - Slow Redis (`CLIENT PAUSE`, `DEBUG SLEEP`), in a process of its own: thousands of calls
 *   wait at most timeoutMs each, timers do not pile up with the calls in flight, and the heap
 *   does not grow from stall to stall.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { createClient } from "redis";
import {
  createMemoryManager,
  type MemoryManager,
  type Message,
  StoreUnavailableError,
} from "../../src/index.js";
import { fixture, runNode } from "../helpers/node-child.js";
import { freePort, type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId, sleep } from "../helpers/targets.js";

/** The documented default of `timeoutMs`. */
const DEFAULT_TIMEOUT_MS = 5000;
/** The DeadlineWatch sweeps every timeoutMs/10 (at most 250 ms); allow that plus scheduling slack. */
const slack = (timeoutMs: number) => Math.min(250, timeoutMs / 10) + 400;

interface LoadRecord {
  lane: number;
  n: number;
  conv: string;
  kind: "set" | "append" | "incr" | "message";
  key: string;
  t0: number;
  t1: number;
  ok: boolean;
  code?: string;
  error?: string;
  result?: unknown;
}

/** Calls `fn` until it resolves (each failure must be StoreUnavailableError); returns the ms it took. */
async function untilServing(fn: () => Promise<unknown>, limitMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      await fn();
      return Date.now() - start;
    } catch (err) {
      assert.ok(err instanceof StoreUnavailableError, `unexpected ${String(err)}`);
      assert.ok(Date.now() - start < limitMs, `still failing after ${limitMs} ms: ${String(err)}`);
      await sleep(10);
    }
  }
}

describe("faults", { concurrency: true }, () => {
  const servers: RedisServer[] = [];
  const managers: MemoryManager[] = [];
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("SIGKILL + restart (AOF, fsync always) twice under load: nothing acknowledged is lost", async (t) => {
    const timeoutMs = 1000;
    const server = await startRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    servers.push(server);
    const load = runNode(fixture("fault-load.mjs"), [server.url, String(timeoutMs), "6"]);
    assert.equal(await load.nextLine(), "ready");
    const outages: Array<{ down: number; downDone: number; upStart: number; up: number }> = [];
    for (let fault = 0; fault < 2; fault++) {
      await sleep(600);
      const down = Date.now();
      await server.kill();
      const downDone = Date.now();
      await sleep(1200);
      const upStart = Date.now();
      await server.restart();
      outages.push({ down, downDone, upStart, up: Date.now() });
    }
    await sleep(800);
    load.send("stop");
    const exit = await load.exit(15_000);
    assert.equal(exit.code, 0, `load process failed: ${exit.stderr}`);
    const report = JSON.parse(exit.stdout.trim().split("\n").pop() ?? "") as {
      records: LoadRecord[];
      problems: string[];
      servesAfter: boolean;
    };
    assert.deepEqual(report.problems, [], "no unhandled rejection, uncaught exception or warning");
    assert.ok(report.servesAfter, "the process keeps serving after the faults");
    const { records } = report;

    // Every failure is StoreUnavailableError, and every call settles within the bound.
    const failures = records.filter((r) => !r.ok);
    const otherErrors = failures.filter((r) => r.code !== "ERR_STORE_UNAVAILABLE");
    assert.deepEqual(
      [...new Set(otherErrors.map((r) => `${r.code}: ${r.error}`))],
      [],
      "every failure is StoreUnavailableError",
    );
    const slowest = Math.max(...records.map((r) => r.t1 - r.t0));
    assert.ok(slowest <= timeoutMs + slack(timeoutMs), `a call took ${slowest} ms (timeoutMs ${timeoutMs})`);

    const reconnects: number[] = [];
    for (const o of outages) {
      const whileDown = records.filter((r) => r.t0 > o.downDone && r.t1 < o.upStart);
      assert.ok(whileDown.length > 0, "calls were made while Redis was down");
      assert.ok(
        whileDown.every((r) => !r.ok),
        "no call succeeds while Redis is down",
      );
      const firstOk = Math.min(...records.filter((r) => r.ok && r.t0 > o.downDone).map((r) => r.t1));
      assert.ok(Number.isFinite(firstOk), "calls succeed again after the restart");
      reconnects.push(Math.max(0, firstOk - o.up));
    }
    for (const ms of reconnects) assert.ok(ms < 3000, `reconnected ${ms} ms after Redis was back`);

    // Acknowledged writes are all there; calls rejected while Redis was down were never applied.
    const manager = createMemoryManager({ redis: server.url });
    managers.push(manager);
    const neverSent = (r: LoadRecord) => !r.ok && outages.some((o) => r.t0 > o.downDone && r.t1 < o.upStart);
    let acked = 0;
    for (const conv of new Set(records.map((r) => r.conv))) {
      const memory = manager.getMemory(conv);
      const mine = records.filter((r) => r.conv === conv);
      const fields = new Map(await memory.items());
      for (const r of mine.filter((x) => x.kind === "set")) {
        if (r.ok) assert.deepEqual(fields.get(`f:${r.key}`), { n: r.n, laneNo: r.lane }, `set ${r.key}`);
        if (neverSent(r)) assert.ok(!fields.has(`f:${r.key}`), `rejected set ${r.key} was applied`);
      }
      const log = (fields.get("log") ?? []) as string[];
      assert.equal(new Set(log).size, log.length, "no list item appears twice");
      const inLog = new Set(log);
      for (const r of mine.filter((x) => x.kind === "append")) {
        if (r.ok) assert.ok(inLog.has(r.key), `acknowledged append ${r.key} lost`);
        if (neverSent(r)) assert.ok(!inLog.has(r.key), `rejected append ${r.key} was applied`);
      }
      const messages = (fields.get("messages") ?? []) as Message[];
      const ids = new Set(messages.map((m) => m.id));
      assert.equal(ids.size, messages.length, "no message id twice");
      for (const r of mine.filter((x) => x.kind === "message")) {
        if (r.ok) assert.ok(ids.has(`m-${r.key}`), `acknowledged message m-${r.key} lost`);
        if (neverSent(r)) assert.ok(!ids.has(`m-${r.key}`), `rejected message m-${r.key} was applied`);
      }
      const incrs = mine.filter((x) => x.kind === "incr");
      const okIncrs = incrs.filter((r) => r.ok);
      const counter = Number(fields.get("counter") ?? 0);
      assert.ok(counter >= okIncrs.length, `counter ${counter} < ${okIncrs.length} acknowledged increments`);
      assert.ok(counter <= incrs.length - incrs.filter(neverSent).length, `counter ${counter} too high`);
      assert.ok(counter >= Math.max(0, ...okIncrs.map((r) => Number(r.result))), "counter went back");
      acked += mine.filter((r) => r.ok).length;
    }
    t.diagnostic(
      `${records.length} operations, 2 SIGKILL+restart faults, ${failures.length} rejected while down ` +
        `(slowest call ${slowest} ms), ${acked} acknowledged writes checked, none lost; ` +
        `reconnected ${reconnects.join(" ms, ")} ms after Redis was back`,
    );
  });

  it("Redis restarted and still loading its dataset (LOADING): StoreUnavailableError until it serves", async (t) => {
    const server = await startRedis({ args: ["--enable-debug-command", "yes"] });
    servers.push(server);
    const manager = createMemoryManager({ redis: server.url, timeoutMs: 1000 });
    managers.push(manager);
    const memory = manager.getMemory(freshId());
    await memory.set("x", "kept");
    const admin = createClient({ url: server.url });
    await admin.connect();
    await admin.sendCommand(["DEBUG", "POPULATE", "20000", "filler", "10"]);
    await admin.sendCommand(["SAVE"]);
    await admin.close();
    // Loading the snapshot back takes a while, and the server answers (LOADING) meanwhile.
    const restarting = server.restart({
      args: ["--key-load-delay", "10", "--loading-process-events-interval-bytes", "1024"],
    });
    const errors: string[] = [];
    const start = Date.now();
    for (;;) {
      try {
        assert.equal(await memory.get("x"), "kept");
        break;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        errors.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
        assert.ok(Date.now() - start < 15_000, "still failing after 15 s");
        await sleep(10);
      }
    }
    await restarting;
    assert.deepEqual(
      errors.filter((e) => !e.startsWith("ERR_STORE_UNAVAILABLE: ")),
      [],
      "every failure is StoreUnavailableError",
    );
    const loading = errors.filter((e) => e.includes("LOADING")).length;
    assert.ok(loading > 0, `the calls met the loading server: ${[...new Set(errors)].join("; ")}`);
    t.diagnostic(
      `${errors.length} calls failed while Redis restarted (${loading} of them while it was loading)`,
    );
  });

  it("Redis down when the manager starts, then started: convmem connects by itself", async (t) => {
    const server = await startRedis();
    servers.push(server);
    await server.kill();
    const timeoutMs = 700;
    const manager = createMemoryManager({ redis: server.url, timeoutMs });
    managers.push(manager);
    const memory = manager.getMemory(freshId());
    for (let i = 0; i < 3; i++) {
      const start = Date.now();
      await assert.rejects(memory.set("x", i), StoreUnavailableError);
      const took = Date.now() - start;
      assert.ok(took <= timeoutMs + slack(timeoutMs), `call ${i} rejected after ${took} ms`);
    }
    await server.restart();
    const reconnect = await untilServing(() => memory.set("x", "up"), 5000);
    assert.equal(await memory.get("x"), "up");
    t.diagnostic(`first call succeeded ${reconnect} ms after Redis was started`);
  });

  it(`a server that never answers: the default bound (${DEFAULT_TIMEOUT_MS} ms) holds`, async () => {
    const port = await freePort();
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    const manager = createMemoryManager({ redis: `redis://127.0.0.1:${port}` });
    try {
      const memory = manager.getMemory(freshId());
      const start = Date.now();
      const first = await Promise.allSettled([memory.set("x", 1), memory.get("x")]);
      const firstMs = Date.now() - start;
      const later = Date.now();
      const second = await Promise.allSettled([memory.incr("n"), memory.keys()]);
      const laterMs = Date.now() - later;
      for (const r of [...first, ...second]) {
        assert.equal(r.status, "rejected");
        assert.ok((r as PromiseRejectedResult).reason instanceof StoreUnavailableError);
      }
      assert.ok(
        firstMs >= DEFAULT_TIMEOUT_MS - 50 && firstMs <= DEFAULT_TIMEOUT_MS + slack(DEFAULT_TIMEOUT_MS),
        `first calls rejected after ${firstMs} ms`,
      );
      assert.ok(laterMs <= DEFAULT_TIMEOUT_MS + slack(DEFAULT_TIMEOUT_MS), `later calls took ${laterMs} ms`);
    } finally {
      await manager.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("Redis restarted empty: convmem keeps working, stats show no ghosts, cleanup agrees", async () => {
    const server = await startRedis();
    servers.push(server);
    const manager = createMemoryManager({ redis: server.url, timeoutMs: 1000 });
    managers.push(manager);
    const before = Array.from({ length: 20 }, () => freshId("before"));
    for (const id of before) {
      const memory = manager.getMemory(id);
      await memory.set("a", id);
      await memory.addMessage("user", "hi", {}, { id: "m1" });
    }
    assert.equal((await manager.getStats()).totalConversations, before.length);

    await server.restart(); // no persistence: the new server is empty
    await untilServing(() => manager.getStats(), 5000);
    assert.deepEqual(await manager.getStats(), { totalConversations: 0, conversations: [] });
    for (const id of before.slice(0, 3)) {
      const memory = manager.getMemory(id);
      assert.equal(await memory.get("a"), undefined);
      assert.equal(await memory.getTtl(), undefined);
      // The message id was forgotten with its message: adding it again adds it.
      assert.equal((await memory.addMessage("user", "again", {}, { id: "m1" })).content, "again");
      assert.equal(await memory.getMessageCount(), 1);
    }
    const after = Array.from({ length: 10 }, () => freshId("after"));
    for (const id of after) await manager.getMemory(id).update({ x: 1, y: [1, 2] });
    const expected = [...before.slice(0, 3), ...after].sort();
    const listed = (await manager.getStats()).conversations.map((c) => c.conversationId).sort();
    assert.deepEqual(listed, expected, "stats list exactly the conversations written after the restart");

    assert.equal(await manager.cleanupConversation(after[0] as string), 2);
    const stats = await manager.getStats();
    assert.equal(stats.totalConversations, expected.length - 1);
    assert.ok(!stats.conversations.some((c) => c.conversationId === after[0]), "no ghost after cleanup");
    assert.equal(await manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }), expected.length - 1);
    assert.deepEqual(await manager.getStats(), { totalConversations: 0, conversations: [] });

    const admin = createClient({ url: server.url });
    await admin.connect();
    try {
      assert.equal(await admin.dbSize(), 0, "cleanup left no key behind");
      assert.match(
        await admin.info("commandstats"),
        /cmdstat_function\|load:calls=[1-9]/,
        "the library was loaded again",
      );
    } finally {
      await admin.close();
    }
  });

  it("slow Redis (CLIENT PAUSE, DEBUG SLEEP): bounded waits, no pile-up of timers or memory", async (t) => {
    const server = await startRedis({ args: ["--enable-debug-command", "yes"] });
    servers.push(server);
    const rounds = 4;
    const perRound = 2000;
    const child = runNode(fixture("slow-redis.mjs"), [server.url, String(rounds), String(perRound)], {
      execArgv: ["--expose-gc"],
    });
    const exit = await child.exit(30_000);
    assert.equal(exit.code, 0, `slow-redis process failed: ${exit.stderr}`);
    const report = JSON.parse(exit.stdout.trim()) as {
      timeoutMs: number;
      baseTimers: number;
      rounds: Array<{
        how: string;
        waitingTimers: number;
        codes: string[];
        fastest: number;
        slowest: number;
        servesAfter: boolean;
        heapUsed: number;
      }>;
    };
    const { timeoutMs } = report;
    assert.equal(report.rounds.length, rounds);
    for (const r of report.rounds) {
      assert.deepEqual(r.codes, ["ERR_STORE_UNAVAILABLE"], `${r.how}: every call rejects`);
      assert.ok(r.fastest >= timeoutMs - 5, `${r.how}: a call gave up early (${r.fastest} ms)`);
      assert.ok(r.slowest <= timeoutMs + slack(timeoutMs), `${r.how}: a call waited ${r.slowest} ms`);
      assert.ok(
        r.waitingTimers <= report.baseTimers + 5,
        `${r.how}: ${r.waitingTimers} timers while ${perRound} calls wait (${report.baseTimers} idle)`,
      );
      assert.ok(r.servesAfter, `${r.how}: the manager serves again after the stall`);
    }
    const [, second, , last] = report.rounds;
    assert.ok(second !== undefined && last !== undefined);
    const growth = last.heapUsed - second.heapUsed;
    assert.ok(growth < 1024 * 1024, `heap grew ${growth} bytes over ${2 * perRound} stalled calls`);
    t.diagnostic(
      `${rounds * perRound} calls into ${rounds} stalls: waits ${Math.min(...report.rounds.map((r) => r.fastest))}–` +
        `${Math.max(...report.rounds.map((r) => r.slowest))} ms (timeoutMs ${timeoutMs}); ` +
        `timers ${report.baseTimers} idle, at most ${Math.max(...report.rounds.map((r) => r.waitingTimers))} ` +
        `while ${perRound} calls wait; heap ${growth >= 0 ? "+" : ""}${Math.round(growth / 1024)} KiB over 2 rounds`,
    );
  });
});

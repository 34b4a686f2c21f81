/**
 * Resource bounds, measured in child processes:
 *
 * - the memory of 1,000,000 distinct conversations opened in one process (every 1,000th also
 *   used on Redis): RSS and heap after 1,000,000 are no higher than after 100,000, beyond a
 *   small bound — nothing is cached per conversation;
 * - close() leaves nothing open, even when it comes while the client is reconnecting to an
 *   unreachable Redis or while calls wait on a server that never answers: those calls end at
 *   once with StoreUnavailableError and the process exits by itself.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { fixture, runNode } from "../helpers/node-child.js";
import { freePort, type RedisServer, startRedis } from "../helpers/redis-server.js";

const MiB = 1024 * 1024;
/** After its last line, the process may wait out node-redis's pending reconnect delay (≤ 500 ms). */
const EXIT_WITHIN_MS = 2000;

describe("resource bounds", { concurrency: true }, () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("1,000,000 distinct conversations in one process: RSS stays flat", async (t) => {
    const total = 1_000_000;
    const child = runNode(fixture("many-ids.mjs"), [server.url, String(total)], {
      execArgv: ["--expose-gc"],
    });
    const exit = await child.exit(60_000);
    assert.equal(exit.code, 0, exit.stderr);
    const report = JSON.parse(exit.stdout.trim()) as {
      first: { rss: number; heapUsed: number };
      last: { rss: number; heapUsed: number };
      worked: number;
    };
    assert.equal(report.worked, total / 1000);
    const rss = report.last.rss - report.first.rss;
    const heap = report.last.heapUsed - report.first.heapUsed;
    // A cache of the 900,000 later conversations, at even 100 bytes each, would add 90 MB.
    assert.ok(rss < 24 * MiB, `RSS grew ${(rss / MiB).toFixed(1)} MiB from 100,000 to 1,000,000 ids`);
    assert.ok(heap < 4 * MiB, `heap grew ${(heap / MiB).toFixed(1)} MiB from 100,000 to 1,000,000 ids`);
    t.diagnostic(
      `RSS ${(report.first.rss / MiB).toFixed(1)} MiB after 100,000 ids, ${(report.last.rss / MiB).toFixed(1)} MiB ` +
        `after 1,000,000 (${rss >= 0 ? "+" : ""}${(rss / MiB).toFixed(1)} MiB); heap ${heap >= 0 ? "+" : ""}` +
        `${(heap / 1024).toFixed(0)} KiB`,
    );
  });

  it("close() while reconnecting to an unreachable Redis: the process exits by itself", async () => {
    const deadPort = await freePort();
    const child = runNode(fixture("close-exits.mjs"), ["down", `redis://127.0.0.1:${deadPort}`]);
    const line = await child.nextLine();
    const printed = Date.now();
    const exit = await child.exit(10_000);
    assert.equal(exit.code, 0, exit.stderr);
    const report = JSON.parse(line) as { before: string; closeMs: number; afterClose: string };
    assert.equal(report.before, "ERR_STORE_UNAVAILABLE");
    assert.ok(report.closeMs < 200, `close() took ${report.closeMs} ms`);
    assert.equal(report.afterClose, "ERR_CLOSED");
    const lingered = Date.now() - printed;
    assert.ok(lingered < EXIT_WITHIN_MS, `the process lived ${lingered} ms after close()`);
  });

  it("close() while the first connection is still being made: no socket outlives it, the process exits", async () => {
    for (let run = 0; run < 8; run++) {
      const child = runNode(fixture("close-exits.mjs"), ["connecting", server.url]);
      const line = await child.nextLine();
      const printed = Date.now();
      const exit = await child.exit(10_000);
      assert.equal(exit.code, 0, exit.stderr);
      const report = JSON.parse(line) as { calls: string[]; afterClose: string };
      assert.equal(report.afterClose, "ERR_CLOSED");
      const lingered = Date.now() - printed;
      assert.ok(lingered < EXIT_WITHIN_MS, `run ${run}: the process lived ${lingered} ms after close()`);
    }
  });

  it("close() with calls waiting on a server that never answers: they end at once, the process exits", async () => {
    const port = await freePort();
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    try {
      const child = runNode(fixture("close-exits.mjs"), ["stalled", `redis://127.0.0.1:${port}`]);
      const line = await child.nextLine();
      const printed = Date.now();
      const exit = await child.exit(10_000);
      assert.equal(exit.code, 0, exit.stderr);
      const report = JSON.parse(line) as { waiting: string[]; closeMs: number; afterClose: string };
      assert.deepEqual(report.waiting, ["ERR_CLOSED", "ERR_CLOSED", "ERR_CLOSED"]);
      assert.ok(
        report.closeMs < 200,
        `waiting calls ended ${report.closeMs} ms after close() (timeoutMs 60 s)`,
      );
      assert.equal(report.afterClose, "ERR_CLOSED");
      const lingered = Date.now() - printed;
      assert.ok(lingered < EXIT_WITHIN_MS, `the process lived ${lingered} ms after close()`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

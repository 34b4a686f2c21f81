// Section 1: convmem set+get, append, addMessage, incr vs the same plain commands on the raw
// `redis` client (SET/GET, RPUSH, RPUSH of the message JSON, INCR), 1 in flight and 200
// concurrent. The raw side encodes/decodes JSON like convmem does, but has none of its
// bookkeeping (TTL, registry, sizes, message-id index). Two raw clients: one with
// `commandOptions: { timeout: 0 }` (the baseline of every ratio) and one with default options.
import { randomUUID } from "node:crypto";
import { compareInterleaved, compareThroughput, median } from "./harness.mjs";

const CONVERSATIONS = 1000;

function workloads(manager, prefix) {
  const mems = Array.from({ length: CONVERSATIONS }, (_, i) => manager.getMemory(`ops-${i}`));
  const m = (i) => mems[i % CONVERSATIONS];
  const key = (i, field) => `${prefix}:${i % CONVERSATIONS}:${field}`;
  const value = { language: "en", style: "short", n: 42 };
  const content = "Where is my parcel? It was due yesterday.";
  return {
    "set+get": {
      opsPerCall: 2,
      convmem: async (i) => {
        await m(i).set("prefs", value);
        await m(i).get("prefs");
      },
      raw: (c) => async (i) => {
        await c.set(key(i, "prefs"), JSON.stringify(value));
        JSON.parse(await c.get(key(i, "prefs")));
      },
    },
    append: {
      opsPerCall: 1,
      convmem: (i) => m(i).append("events", { type: "seen", n: i }),
      raw: (c) => (i) => c.rPush(key(i, "events"), JSON.stringify({ type: "seen", n: i })),
    },
    addMessage: {
      opsPerCall: 1,
      convmem: (i) => m(i).addMessage("user", content),
      raw: (c) => (i) =>
        c.rPush(
          key(i, "messages"),
          JSON.stringify({ id: randomUUID(), role: "user", content, timestamp: Date.now(), metadata: {} }),
        ),
    },
    incr: {
      opsPerCall: 1,
      convmem: (i) => m(i).incr("count"),
      raw: (c) => (i) => c.incr(key(i, "count")),
    },
  };
}

export async function runOps({ admin, rawDefault, manager, log }) {
  const w = workloads(manager, "rawops");
  const rows = [];
  for (const [name, wl] of Object.entries(w)) {
    for (const concurrency of [1, 200]) {
      const impls = { raw: wl.raw(admin), rawDefault: wl.raw(rawDefault), convmem: wl.convmem };
      const r =
        concurrency === 1
          ? await compareInterleaved(impls, { opsPerCall: wl.opsPerCall })
          : await compareThroughput(admin, impls, { concurrency, opsPerCall: wl.opsPerCall });
      // Ratio: median over rounds of the per-round ratio (both sides of a ratio share a round).
      const roundRatio = (name) => median(r[name].rounds.map((ops, k) => ops / r.raw.rounds[k]));
      const row = {
        op: name,
        concurrency,
        raw_ops_s: r.raw.opsPerSec,
        raw_default_ops_s: r.rawDefault.opsPerSec,
        convmem_ops_s: r.convmem.opsPerSec,
        ratio: +roundRatio("convmem").toFixed(2),
        raw_default_ratio: +roundRatio("rawDefault").toFixed(2),
        method:
          concurrency === 1
            ? "interleaved call by call, each call timed"
            : "200 async loops per implementation in turn",
        // Issue 13's targets are for set+get; the other operations are reported without one.
        target: name === "set+get" ? (concurrency === 1 ? 0.85 : 0.75) : null,
        node_cpu_us_per_op: { raw: r.raw.nodeCpuUsPerOp, convmem: r.convmem.nodeCpuUsPerOp },
        redis_cpu_us_per_op: { raw: r.raw.redisCpuUsPerOp, convmem: r.convmem.redisCpuUsPerOp },
        rounds: { raw: r.raw.rounds, rawDefault: r.rawDefault.rounds, convmem: r.convmem.rounds },
      };
      row.met = row.target === null ? null : row.ratio >= row.target;
      rows.push(row);
      log(
        `  ${name.padEnd(10)} ${String(concurrency).padStart(3)} in flight: convmem ${row.convmem_ops_s} ops/s, raw ${row.raw_ops_s} (default opts ${row.raw_default_ops_s}) -> ${row.ratio}x`,
      );
    }
  }
  return rows;
}

// Section 2c (issue 16): the adapters' primitives, 1 in flight, µs per call:
//   batch of 5 writes (set, append, mapSet, addMessage with an id, delete) vs the same 5 writes
//   one after another (5 round trips); and with an operationId (idempotent).
//   the same batch in a conversation holding 1,000 other fields vs none, with a 3 s TTL (each
//   key's physical expiry is renewed once per TTL period, not per write; target <= 1.2x).
//   mapGet / mapSet on a map field of 100,000 keys vs one of 10 (target <= 1.2x).
import { createMemoryManager } from "../dist/index.js";
import { compareLatency, text } from "./harness.mjs";

const BIG = 100_000;
const SMALL = 10;

async function fillMap(memory, n) {
  for (let i = 0; i < n; i += 2000) {
    const writes = [];
    for (let k = i; k < Math.min(n, i + 2000); k++)
      writes.push({ op: "mapSet", field: "cp", key: `k${k}`, value: { step: k, data: text(100, k) } });
    await memory.batch(writes);
  }
}

export async function runPrimitives({ manager, url, log }) {
  const rows = [];
  const report = (name, a, b, r, target) => {
    const row = {
      op: name,
      [`${a}_us`]: r[a].usPerCall,
      [`${b}_us`]: r[b].usPerCall,
      ratio: +(r[b].usPerCall / r[a].usPerCall).toFixed(2),
      target,
      rounds: { [a]: r[a].rounds, [b]: r[b].rounds },
    };
    row.met = target === null ? null : row.ratio <= target;
    rows.push(row);
    log(`  ${name.padEnd(46)} ${a} ${r[a].usPerCall} µs, ${b} ${r[b].usPerCall} µs -> ${row.ratio}x`);
  };

  // A batch of 5 writes vs the 5 writes one by one.
  const memory = manager.getMemory("prim-batch");
  await memory.clearAll();
  let n = 0;
  const writes = () => {
    n++;
    return [
      { op: "set", field: "state", value: { step: n } },
      { op: "append", field: "log", value: { n }, maxLength: 50 },
      { op: "mapSet", field: "seen", key: `k${n % 100}`, value: n },
      { op: "addMessage", role: "user", content: text(120, n), id: `msg-${n}`, maxMessages: 50 },
      { op: "delete", field: "draft" },
    ];
  };
  const oneByOne = async () => {
    n++;
    await memory.set("state", { step: n });
    await memory.append("log", { n }, { maxLength: 50 });
    await memory.mapSet("seen", `k${n % 100}`, n);
    await memory.addMessage("user", text(120, n), {}, { id: `msg-${n}`, maxMessages: 50 });
    await memory.delete("draft");
  };
  const r1 = await compareLatency(
    {
      separately: { op: oneByOne },
      batch: { op: () => memory.batch(writes()) },
      idempotent: { op: () => memory.batch(writes(), { operationId: `op-${n}` }) },
    },
    { ms: 250 },
  );
  report("5 writes: one batch vs one by one", "separately", "batch", r1, null);
  report("5 writes: idempotent batch vs one by one", "separately", "idempotent", r1, null);

  // The same batch beside 1,000 other fields vs none, with a 3 s TTL.
  const short = createMemoryManager({ redis: url, defaultTtl: 3 });
  try {
    const lean = short.getMemory("prim-lean");
    const crowded = short.getMemory("prim-crowded");
    for (const m of [lean, crowded]) await m.clearAll();
    for (let i = 0; i < 1000; i += 250) {
      await crowded.update(Object.fromEntries(Array.from({ length: 250 }, (_, k) => [`f${i + k}`, i + k])));
    }
    const r = await compareLatency(
      { lean: { op: () => lean.batch(writes()) }, crowded: { op: () => crowded.batch(writes()) } },
      { ms: 1000 },
    );
    report("5-write batch: 1,000 other fields vs none (TTL 3 s)", "lean", "crowded", r, 1.2);
    for (const m of [lean, crowded]) await m.clearAll();
  } finally {
    await short.close();
  }

  // Map fields at 10 vs 100,000 keys.
  const t0 = performance.now();
  const big = manager.getMemory("prim-map-100000");
  const small = manager.getMemory("prim-map-10");
  for (const m of [big, small]) await m.clearAll();
  await fillMap(big, BIG);
  await fillMap(small, SMALL);
  log(`  filled a ${BIG.toLocaleString("en")}-key map in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let k = 0;
  const pair = (op) => ({ small: { op: () => op(small, SMALL) }, big: { op: () => op(big, BIG) } });
  report(
    "mapGet: 100,000-key map vs 10-key",
    "small",
    "big",
    await compareLatency(
      pair((m, size) => m.mapGet("cp", `k${k++ % size}`)),
      { ms: 250 },
    ),
    1.2,
  );
  report(
    "mapSet (replace): 100,000-key map vs 10-key",
    "small",
    "big",
    await compareLatency(
      pair((m, size) => m.mapSet("cp", `k${k++ % size}`, { step: k, data: text(100, k) })),
      { ms: 250 },
    ),
    1.2,
  );
  report(
    "getMany(2 fields + 3 map keys): 100,000 vs 10",
    "small",
    "big",
    await compareLatency(
      pair((m, size) =>
        m.getMany([
          "state",
          "nope",
          { field: "cp", key: `k${k++ % size}` },
          { field: "cp", key: "k1" },
          { field: "cp", key: "k2" },
        ]),
      ),
      { ms: 250 },
    ),
    1.2,
  );
  for (const m of [memory, big, small]) await m.clearAll();
  return rows;
}

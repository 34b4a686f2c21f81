// Measurement helpers shared by the suite (not a test).
//
// Every figure is the median of ROUNDS rounds; in each round the competing implementations
// run back to back (order rotated per round) so drift hits them alike, and each is warmed up
// once before the first round. Two kinds of measurement:
// - throughput(): `concurrency` async loops call `op` until `ms` has passed; ops/s over the
//   time until the last in-flight call settles, plus the CPU time per op spent in this Node
//   process (process.cpuUsage) and in redis-server (INFO cpu) during the round.
// - latency(): one call at a time, each timed alone with the high-resolution clock; an
//   optional `restore` runs untimed after each call (e.g. removing the message just added,
//   so a history stays at its nominal length). Round figure: mean µs per call.

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Seconds of CPU redis-server has used (user + sys), via INFO cpu. */
export async function redisCpuSeconds(client) {
  const info = await client.info("cpu");
  const get = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return get("used_cpu_user") + get("used_cpu_sys");
}

/**
 * Runs `op(i)` (which performs `opsPerCall` operations) from `concurrency` loops for about
 * `ms` milliseconds. Returns { opsPerSec, nodeCpuUsPerOp, redisCpuUsPerOp }.
 */
export async function throughputOnce(admin, concurrency, ms, op, opsPerCall = 1) {
  let calls = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const redis0 = await redisCpuSeconds(admin);
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await op(next++);
        calls++;
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redisSecs = (await redisCpuSeconds(admin)) - redis0;
  const ops = calls * opsPerCall;
  return {
    opsPerSec: ops / secs,
    nodeCpuUsPerOp: (cpu.user + cpu.system) / ops,
    redisCpuUsPerOp: (redisSecs * 1e6) / ops,
  };
}

/**
 * Throughput of several implementations ({ name: op }) measured in the same rounds.
 * Returns { name: { opsPerSec, nodeCpuUsPerOp, redisCpuUsPerOp, rounds: [opsPerSec…] } }.
 */
export async function compareThroughput(
  admin,
  impls,
  { concurrency, ms = 300, warmMs = 100, opsPerCall = 1 },
) {
  const names = Object.keys(impls);
  for (const name of names) await throughputOnce(admin, concurrency, warmMs, impls[name], opsPerCall);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, k) => names[(k + round) % names.length]);
    for (const name of order) {
      samples[name].push(await throughputOnce(admin, concurrency, ms, impls[name], opsPerCall));
    }
  }
  const out = {};
  for (const name of names) {
    const s = samples[name];
    out[name] = {
      opsPerSec: Math.round(median(s.map((x) => x.opsPerSec))),
      nodeCpuUsPerOp: +median(s.map((x) => x.nodeCpuUsPerOp)).toFixed(2),
      redisCpuUsPerOp: +median(s.map((x) => x.redisCpuUsPerOp)).toFixed(2),
      rounds: s.map((x) => Math.round(x.opsPerSec)),
    };
  }
  return out;
}

/**
 * 1 in flight, interleaved: each step calls every implementation once (order rotated), each
 * call timed alone, so bursts of load from elsewhere on the machine hit all of them alike.
 * An implementation is `op(i)`, or `{ op, restore }` where `restore(i)` runs untimed after
 * each call. Per round, ops/s = opsPerCall / mean call time; returns the same shape as
 * compareThroughput (CPU figures for the whole round, split evenly, are not kept: null).
 */
export async function compareInterleaved(impls, { ms = 300, warmMs = 100, opsPerCall = 1 } = {}) {
  const names = Object.keys(impls);
  const op = (name) => (typeof impls[name] === "function" ? impls[name] : impls[name].op);
  const restore = (name) => (typeof impls[name] === "function" ? undefined : impls[name].restore);
  const once = async (duration) => {
    const total = Object.fromEntries(names.map((n) => [n, 0]));
    let steps = 0;
    const end = performance.now() + duration;
    for (let i = 0; performance.now() < end; i++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + i) % names.length];
        const t0 = process.hrtime.bigint();
        await op(name)(i);
        total[name] += Number(process.hrtime.bigint() - t0);
        await restore(name)?.(i);
      }
      steps++;
    }
    return Object.fromEntries(names.map((n) => [n, (opsPerCall * steps * 1e9) / total[n]]));
  };
  await once(warmMs);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await once(ms));
  const out = {};
  for (const name of names) {
    const s = rounds.map((r) => r[name]);
    out[name] = {
      opsPerSec: Math.round(median(s)),
      nodeCpuUsPerOp: null,
      redisCpuUsPerOp: null,
      rounds: s.map(Math.round),
    };
  }
  return out;
}

/** Mean µs per call of `op` over about `ms` of timed calls (at least `minCalls`). */
export async function latencyOnce(op, restore, { ms, minCalls = 5, maxCalls = 5000 }) {
  let timed = 0;
  let calls = 0;
  while (calls < minCalls || (timed < ms && calls < maxCalls)) {
    const t0 = process.hrtime.bigint();
    await op(calls);
    timed += Number(process.hrtime.bigint() - t0) / 1e6;
    calls++;
    if (restore) await restore(calls);
  }
  return (timed * 1000) / calls;
}

/**
 * Latency of several implementations ({ name: { op, restore? } }) measured in the same
 * rounds. Returns { name: { usPerCall, rounds: [µs…] } }.
 */
export async function compareLatency(impls, { ms = 200, warmMs = 50, minCalls = 5 } = {}) {
  const names = Object.keys(impls);
  for (const name of names)
    await latencyOnce(impls[name].op, impls[name].restore, { ms: warmMs, minCalls: 2 });
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, k) => names[(k + round) % names.length]);
    for (const name of order) {
      samples[name].push(await latencyOnce(impls[name].op, impls[name].restore, { ms, minCalls }));
    }
  }
  const out = {};
  for (const name of names) {
    out[name] = {
      usPerCall: +median(samples[name]).toFixed(1),
      rounds: samples[name].map((x) => +x.toFixed(1)),
    };
  }
  return out;
}

/** Runs `fn(i)` for i in [0, count) with `concurrency` calls in flight. */
export async function fill(count, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** Printable content of about `bytes` characters (deterministic per seed). */
export function text(bytes, seed = 0) {
  const words = ["order", "refund", "parcel", "address", "delivery", "thanks", "please", "today", "status"];
  let s = `#${seed}`;
  for (let i = seed; s.length < bytes; i++) s += ` ${words[(i * 7 + seed) % words.length]}`;
  return s.slice(0, bytes);
}

#!/usr/bin/env node
// convmem demo: many stateless SMS-assistant worker processes sharing conversations through Redis.
//
// Starts its own redis-server from PATH on a free port (or uses REDIS_URL), forks N workers,
// routes M conversations x K inbound messages randomly across them (one message of a
// conversation in flight at a time, like a per-conversation queue), redelivers some messages
// on purpose, kills one worker mid-run and redelivers its in-flight messages to the others,
// then verifies every conversation: history complete, ordered, duplicate-free; counters exact.
// Without redis-server it runs single-process on the in-memory store and says so.
// On a Redis it did not start (REDIS_URL) it writes under a key prefix of its own
// (convmem-demo-<random>), verifies only that, and removes it at the end (--keep leaves it):
// other convmem data on that Redis is neither counted nor touched.
//
// Usage: node examples/demo.mjs [--workers 4] [--conversations 1500] [--messages 30]
//                               [--concurrency 64] [--no-kill] [--keep]
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { createMemoryManager, InMemoryStore } from "../dist/index.js";
import { Progress, percentile, startRedisCluster, startRedisServer } from "./demo-support.mjs";
import { SMSAssistantAgent } from "./sms-agent.mjs";

const { values: opts } = parseArgs({
  options: {
    workers: { type: "string", default: "4" },
    conversations: { type: "string", default: "1500" },
    messages: { type: "string", default: "30" },
    concurrency: { type: "string", default: "64" },
    "no-kill": { type: "boolean", default: false },
    cluster: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (opts.help) {
  console.log("usage: npm run demo -- [--workers N] [--conversations M] [--messages K] [--concurrency C]");
  console.log("                       [--no-kill] [--cluster] [--keep]");
  console.log("  --cluster  start a 3-master Redis Cluster instead of one redis-server, and run on it");
  console.log("  --keep     with REDIS_URL: leave the demo's data (under its own key prefix) in place");
  process.exit(0);
}
const WORKERS = Number(opts.workers);
const CONVERSATIONS = Number(opts.conversations);
const MESSAGES = Number(opts.messages);
const CONCURRENCY = Number(opts.concurrency);
for (const [name, value] of Object.entries({ WORKERS, CONVERSATIONS, MESSAGES, CONCURRENCY })) {
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`demo: --${name.toLowerCase()} must be a positive integer`);
    process.exit(2);
  }
}

/** Runs `lane` over every conversation's queue, CONCURRENCY conversations at a time. */
async function eachConversation(traffic, lane) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, traffic.length) }, async () => {
      while (next < traffic.length) await lane(traffic[next++]);
    }),
  );
}
const DUPLICATE_RATE = 0.03;
const TEXTS = [
  "hello",
  "what's the weather?",
  "set short please",
  "weather again?",
  "show my history",
  "thanks",
];

/** The inbound traffic: per conversation, K messages in order. */
function buildTraffic() {
  const traffic = [];
  for (let c = 0; c < CONVERSATIONS; c++) {
    const conversationId = `sms:+1555${String(c).padStart(6, "0")}`;
    const queue = [];
    for (let k = 0; k < MESSAGES; k++) {
      queue.push({ conversationId, messageId: `sms-${c}-${k}`, payload: { text: TEXTS[k % TEXTS.length] } });
    }
    traffic.push(queue);
  }
  return traffic;
}

// A Redis the demo did not start may hold other convmem data: the demo keeps to a key prefix
// of its own there, and removes what it wrote at the end.
const external = Boolean(process.env.REDIS_URL);
const keyPrefix = external ? `convmem-demo-${randomBytes(6).toString("hex")}` : undefined;
const redis = external
  ? { url: process.env.REDIS_URL, stop: async () => {} }
  : opts.cluster
    ? await startRedisCluster()
    : await startRedisServer();
if (!redis) {
  console.log("╭──────────────────────────────────────────────────────────────────────────╮");
  console.log("│ redis-server not found on PATH: running single-process on InMemoryStore. │");
  console.log("│ For the distributed demo install Redis (apt-get install -y redis-server) │");
  console.log("│ or point REDIS_URL at one, then run `npm run demo` again.                │");
  console.log("╰──────────────────────────────────────────────────────────────────────────╯");
}
const manager = redis
  ? createMemoryManager({ redis: redis.url, ...(keyPrefix ? { keyPrefix } : {}) })
  : createMemoryManager({ store: new InMemoryStore() });
const traffic = buildTraffic();
const total = CONVERSATIONS * MESSAGES;
const timings = new Map();
const progress = new Progress(total);
const started = performance.now();
let delivered = 0;
let redelivered = 0;
let killed = "no";

function record(list) {
  for (const [op, ms] of list) {
    if (!timings.has(op)) timings.set(op, []);
    timings.get(op).push(ms);
  }
}

async function runInProcess() {
  const agent = new SMSAssistantAgent({ manager });
  agent.onTiming = (op, ms) => record([[op, ms]]);
  await eachConversation(traffic, async (queue) => {
    for (const env of queue) {
      await agent.process(env);
      delivered++;
      if (Math.random() < DUPLICATE_RATE) {
        await agent.process(env);
        redelivered++;
      }
      progress.tick();
    }
  });
}

const children = new Set();

async function runDistributed() {
  const workers = [];
  const inflight = new Map(); // messageId -> { env, worker, resolve }
  const spawnWorker = () =>
    new Promise((resolve) => {
      const child = fork(new URL("./demo-worker.mjs", import.meta.url), [], {
        env: { ...process.env, REDIS_URL: redis.url, CONVMEM_DEMO_PREFIX: keyPrefix ?? "" },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const worker = { child, alive: true };
      children.add(child);
      child.once("exit", () => children.delete(child));
      child.on("error", () => {}); // a send racing the worker's death; its exit handler redelivers
      child.on("message", (msg) => {
        if (msg.type === "ready") resolve(worker);
        const job = inflight.get(msg.messageId);
        if (!job || job.worker !== worker) return;
        if (msg.type === "ack") {
          inflight.delete(msg.messageId);
          record(msg.timings);
          job.resolve();
        } else if (msg.type === "nack") {
          job.failures = (job.failures ?? 0) + 1;
          if (job.failures > 5)
            job.reject(new Error(`message ${msg.messageId} failed 5 times: ${msg.error}`));
          else setTimeout(() => send(job), 50 * job.failures); // transient failure: redeliver
        }
      });
      child.on("exit", () => {
        worker.alive = false;
        for (const job of inflight.values()) {
          if (job.worker === worker) {
            redelivered++;
            send(job); // at-least-once: the dead worker's messages go to another worker
          }
        }
      });
    });
  for (let i = 0; i < WORKERS; i++) workers.push(await spawnWorker());

  function send(job) {
    const live = workers.filter((w) => w.alive && w.child.connected);
    job.worker = live[Math.floor(Math.random() * live.length)];
    inflight.set(job.env.messageId, job);
    job.worker.child.send({ type: "env", env: job.env }, (err) => {
      if (err && !job.worker.alive) return; // the exit handler redelivers it
      if (err) setImmediate(() => send(job));
    });
  }
  const deliver = (env) =>
    new Promise((resolve, reject) => send({ env, worker: undefined, resolve, reject }));

  const killAt = Math.floor(total * 0.4);
  await eachConversation(traffic, async (queue) => {
    for (const env of queue) {
      await deliver(env);
      delivered++;
      if (Math.random() < DUPLICATE_RATE) {
        redelivered++;
        await deliver(env); // the queue delivers this one twice
      }
      progress.tick();
      if (!opts["no-kill"] && killed === "no" && delivered >= killAt && WORKERS > 1) {
        const load = (w) => [...inflight.values()].filter((j) => j.worker === w).length;
        const victim = workers.filter((w) => w.alive).sort((a, b) => load(b) - load(a))[0]; // the busiest
        killed = `worker pid ${victim.child.pid} killed (SIGKILL) with ${[...inflight.values()].filter((j) => j.worker === victim).length} messages in flight`;
        victim.alive = false; // no new work for it; its in-flight messages are redelivered on exit
        victim.child.kill("SIGKILL");
      }
    }
  });
  for (const w of workers) if (w.alive) w.child.send({ type: "stop" });
  await Promise.all(workers.map((w) => (w.alive ? new Promise((r) => w.child.once("exit", r)) : undefined)));
}

/** Checks every conversation; returns a list of problems (empty when all is exact). */
async function verify() {
  const problems = [];
  for (const queue of traffic) {
    const memory = manager.getMemory(queue[0].conversationId);
    const history = await memory.getMessages();
    const expectedIds = queue.flatMap((env) => [`${env.messageId}:in`, `${env.messageId}:out`]);
    const ids = history.map((m) => m.id);
    if (ids.length !== expectedIds.length || ids.some((id, i) => id !== expectedIds[i])) {
      problems.push(
        `${queue[0].conversationId}: history ${ids.length} messages, expected ${expectedIds.length} in order`,
      );
    }
    if (new Set(ids).size !== ids.length) problems.push(`${queue[0].conversationId}: duplicate message ids`);
    const stats = await memory.get("conversation_stats");
    if (stats?.message_count !== queue.length) {
      problems.push(
        `${queue[0].conversationId}: message_count ${stats?.message_count}, expected ${queue.length}`,
      );
    }
    if ((await memory.getMessageCount()) !== expectedIds.length)
      problems.push(`${queue[0].conversationId}: count`);
  }
  return problems;
}

/** Deletes every conversation the demo wrote under its own prefix (unless --keep). */
async function removeOwnData() {
  if (opts.keep) {
    console.log(`kept the demo's data under key prefix ${keyPrefix} (--keep)`);
    return;
  }
  try {
    const ids = traffic.map((queue) => queue[0].conversationId);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => manager.cleanupConversation(id)));
    }
    const left = (await manager.getStats()).totalConversations;
    console.log(`removed the demo's data (key prefix ${keyPrefix}); ${left} conversations left under it`);
  } catch (err) {
    console.error(`demo: could not remove its data under key prefix ${keyPrefix}: ${err?.message ?? err}`);
    exitCode = 1;
  }
}

let exitCode = 1;
try {
  // Fail fast (StoreUnavailableError within timeoutMs) rather than routing work to nowhere.
  await manager.getMemory("demo:probe").has("probe");
  console.log(
    redis
      ? `convmem demo: ${WORKERS} worker processes, ${CONVERSATIONS} conversations × ${MESSAGES} inbound SMS, Redis at ${redis.url}`
      : `convmem demo (in-memory): ${CONVERSATIONS} conversations × ${MESSAGES} inbound SMS`,
  );
  if (keyPrefix)
    console.log(`key prefix: ${keyPrefix} (a Redis the demo did not start: its data stays apart)`);
  if (redis) await runDistributed();
  else await runInProcess();
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  const problems = await verify();
  const stats = await manager.getStats();
  const fields = stats.conversations.reduce((n, c) => n + c.totalFields, 0);
  const bytes = stats.conversations.reduce((n, c) => n + c.totalSizeBytes, 0);
  console.log(
    `\nprocessed ${delivered} inbound messages (+${redelivered} redeliveries) in ${seconds.toFixed(2)} s`,
  );
  console.log(`throughput: ${Math.round(delivered / seconds)} inbound messages/s`);
  if (redis) console.log(`fault: ${killed}`);
  console.log("latency per operation (ms):");
  for (const [op, list] of [...timings].sort()) {
    console.log(
      `  ${op.padEnd(12)} n=${String(list.length).padStart(6)}  p50=${percentile(list, 50).toFixed(2)}  p99=${percentile(list, 99).toFixed(2)}`,
    );
  }
  console.log(`getStats(): ${stats.totalConversations} conversations, ${fields} fields, ${bytes} bytes`);
  if (stats.totalConversations !== CONVERSATIONS)
    problems.push(`getStats counted ${stats.totalConversations} conversations`);
  if (problems.length === 0) {
    console.log(
      `verified: all ${CONVERSATIONS} histories complete, ordered and duplicate-free; every counter exact`,
    );
    exitCode = 0;
  } else {
    console.log(`VERIFICATION FAILED (${problems.length} problems):`);
    for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  }
} catch (err) {
  console.error(`demo failed: ${err?.name ?? "Error"}: ${err?.message ?? err}`);
} finally {
  for (const child of children) child.kill("SIGKILL");
  if (keyPrefix) await removeOwnData();
  await manager.close();
  await redis?.stop();
}
process.exit(exitCode);

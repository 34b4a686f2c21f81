// Section 2: one chat turn — add a message, then read the history — at histories of 10, 100,
// 1,000 and 10,000 messages, 1 in flight, µs per turn:
//   convmem      addMessage + getMessages({ limit: 10 })
//                (and "pipelined": both issued together, one round trip, the read checked)
//   langchain    @langchain/redis RedisChatMessageHistory: addMessage(new HumanMessage) +
//                getMessages() (its source: LPUSH of the JSON + EXPIRE, then LRANGE 0 -1)
//   python       the Python original's approach: GET the whole history JSON, parse, push,
//                stringify, SET; then GET whole + parse + slice the last 10
// After each timed turn the added message is removed untimed, so the history stays at its size.
// Section 3: append, addMessage and getMessages({ limit: 10 }) on a 100,000-message
// conversation vs a 10-message one (same process, same rounds).
import { randomUUID } from "node:crypto";
import { HumanMessage, mapChatMessagesToStoredMessages } from "@langchain/core/messages";
import { RedisChatMessageHistory } from "@langchain/redis";
import { compareLatency, fill, text } from "./harness.mjs";

export const HISTORY_SIZES = [10, 100, 1000, 10000];
const CONTENT = text(120, 1);
const TTL = 3600;

const pyMessage = (i) => ({
  id: randomUUID(),
  role: i % 2 ? "assistant" : "user",
  content: text(120, i),
  timestamp: Date.now(),
  metadata: {},
});

async function fillConvmem(memory, n) {
  await fill(n, 100, (i) => memory.addMessage(i % 2 ? "assistant" : "user", text(120, i)));
}

async function fillLangchain(history, n) {
  const stored = mapChatMessagesToStoredMessages(
    Array.from({ length: n }, (_, i) => new HumanMessage(text(120, i))),
  ).map((m) => JSON.stringify(m));
  for (let i = 0; i < n; i += 1000) await history.client.lPush(history.sessionId, stored.slice(i, i + 1000));
  await history.client.expire(history.sessionId, TTL);
}

export async function runHistory({ admin, manager, url, log }) {
  const rows = [];
  const histories = [];
  for (const n of HISTORY_SIZES) {
    const memory = manager.getMemory(`hist-${n}`);
    await fillConvmem(memory, n);
    const lc = new RedisChatMessageHistory({ sessionId: `lc:hist-${n}`, sessionTTL: TTL, config: { url } });
    histories.push(lc);
    await lc.ensureReadiness();
    await fillLangchain(lc, n);
    const pyKey = `py:hist-${n}`;
    const pyJson = JSON.stringify(Array.from({ length: n }, (_, i) => pyMessage(i)));
    await admin.set(pyKey, pyJson, { EX: TTL });

    const r = await compareLatency({
      convmem: {
        op: async () => {
          await memory.addMessage("user", CONTENT);
          await memory.getMessages({ limit: 10 });
        },
        restore: () => memory.pop("messages"),
      },
      // The same turn with both calls issued together: calls on one manager reach Redis in
      // call order, so the read sees the new message (checked) and the turn is one round trip.
      convmemPipelined: {
        op: async () => {
          const [added, recent] = await Promise.all([
            memory.addMessage("user", CONTENT),
            memory.getMessages({ limit: 10 }),
          ]);
          if (recent.at(-1)?.id !== added.id) throw new Error("pipelined turn read a stale history");
        },
        restore: () => memory.pop("messages"),
      },
      langchain: {
        op: async () => {
          await lc.addMessage(new HumanMessage(CONTENT));
          await lc.getMessages();
        },
        restore: () => lc.client.lPop(lc.sessionId),
      },
      python: {
        op: async () => {
          const all = JSON.parse((await admin.get(pyKey)) ?? "[]");
          all.push({ id: randomUUID(), role: "user", content: CONTENT, timestamp: Date.now(), metadata: {} });
          await admin.set(pyKey, JSON.stringify(all), { EX: TTL });
          JSON.parse((await admin.get(pyKey)) ?? "[]").slice(-10);
        },
        restore: () => admin.set(pyKey, pyJson, { EX: TTL }),
      },
    });
    const row = {
      history: n,
      convmem_us: r.convmem.usPerCall,
      langchain_us: r.langchain.usPerCall,
      python_us: r.python.usPerCall,
      convmem_pipelined_us: r.convmemPipelined.usPerCall,
      vs_langchain: +(r.langchain.usPerCall / r.convmem.usPerCall).toFixed(2),
      pipelined_vs_langchain: +(r.langchain.usPerCall / r.convmemPipelined.usPerCall).toFixed(2),
      vs_python: +(r.python.usPerCall / r.convmem.usPerCall).toFixed(2),
      rounds: {
        convmem: r.convmem.rounds,
        convmemPipelined: r.convmemPipelined.rounds,
        langchain: r.langchain.rounds,
        python: r.python.rounds,
      },
    };
    rows.push(row);
    log(
      `  history ${String(n).padStart(5)}: convmem ${row.convmem_us} µs (pipelined ${row.convmem_pipelined_us}), langchain ${row.langchain_us} µs (${row.vs_langchain}x; ${row.pipelined_vs_langchain}x pipelined), python ${row.python_us} µs (${row.vs_python}x)`,
    );
    await admin.del([pyKey, lc.sessionId]);
  }
  for (const h of histories) await h.client.quit();
  return rows;
}

export async function runLongConversation({ manager, log }) {
  const big = manager.getMemory("long-100000");
  const small = manager.getMemory("long-10");
  const t0 = performance.now();
  await fillConvmem(big, 100_000);
  log(`  filled a 100,000-message conversation in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await fillConvmem(small, 10);
  for (const m of [big, small])
    await m.extend(
      "events",
      Array.from({ length: 10 }, (_, i) => ({ n: i })),
    );
  const pair = (op, restore) => ({
    big: { op: () => op(big), restore: restore && (() => restore(big)) },
    small: { op: () => op(small), restore: restore && (() => restore(small)) },
  });
  const ops = {
    append: pair(
      (m) => m.append("events", { type: "seen", n: 1 }),
      (m) => m.pop("events"),
    ),
    getMessages: pair((m) => m.getMessages({ limit: 10 })),
    addMessage: pair(
      (m) => m.addMessage("user", CONTENT),
      (m) => m.pop("messages"),
    ),
  };
  const rows = [];
  for (const [name, impls] of Object.entries(ops)) {
    const r = await compareLatency(impls, { ms: 250 });
    const row = {
      op: name === "getMessages" ? "getMessages({limit:10})" : name,
      small_us: r.small.usPerCall,
      big_us: r.big.usPerCall,
      ratio: +(r.big.usPerCall / r.small.usPerCall).toFixed(2),
      target: name === "addMessage" ? null : 1.2,
      rounds: { small: r.small.rounds, big: r.big.rounds },
    };
    row.met = row.target === null ? null : row.ratio <= row.target;
    rows.push(row);
    log(`  ${row.op.padEnd(24)} 10 msgs ${row.small_us} µs, 100,000 msgs ${row.big_us} µs -> ${row.ratio}x`);
  }
  return rows;
}

// Section 7 (issue 17): convmem/openai-agents. A turn = getItems(50), then addItems of 3 items
// (what the SDK's runner does per turn: read the history, append the turn's items), 1 in flight,
// µs per turn:
//   ConvmemSession at 10, 50, 1,000 and 10,000 stored items    target: 10,000 vs 10 <= 1.2x
//     (at 10 the turn reads 10 items, from 50 on it reads 50: a turn costs per item read, so the
//     cost independent of the history's length shows as 10,000 vs 50; both are reported)
//   the common hand-written session at 1,000 items: the whole JSON array in one key (GET, parse,
//     slice the last 50 / GET, parse, push 3, stringify, SET)  target: >= 10x slower than convmem
//   the SDK's MemorySession at 1,000 items (in-process: the floor, no I/O)
// The three sizes run interleaved (each step one turn of each, order rotated, each timed alone:
// load from elsewhere hits them alike); convmem at 1,000, the hand-written session and
// MemorySession run in blocks of their own calls (so each pays for its own garbage). After each
// timed turn its 3 items are taken off again (untimed), so each history stays at its size.
// Medians of BENCH_ROUNDS rounds. Standalone: `npm run bench:openai-agents` (starts its own redis-server).

import { pathToFileURL } from "node:url";
import { MemorySession } from "@openai/agents-core";
import { createClient } from "redis";
import { ConvmemSession } from "../dist/openai-agents/index.js";
import { compareInterleaved, compareLatency, text } from "./harness.mjs";

/** 10, 1,000, 10,000 as the issue asks; 50 = the smallest history from which getItems(50) reads 50. */
const SIZES = [10, 50, 1_000, 10_000];

/** A realistic item mix: user message, tool call, tool result, assistant message. */
function item(i) {
  switch (i % 4) {
    case 0:
      return { role: "user", content: text(120, i) };
    case 1:
      return {
        type: "function_call",
        callId: `call_${i}`,
        name: "lookup_order",
        status: "completed",
        arguments: JSON.stringify({ orderId: String(1000 + i) }),
      };
    case 2:
      return {
        type: "function_call_result",
        callId: `call_${i - 1}`,
        name: "lookup_order",
        status: "completed",
        output: { type: "text", text: text(160, i) },
      };
    default:
      return {
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: text(240, i) }],
      };
  }
}
const history = (n) => Array.from({ length: n }, (_, i) => item(i));
const turnItems = (i) => [item(4 * i), item(4 * i + 1), item(4 * i + 2)];

/** The session people write by hand: the history as one JSON array in one key. */
class JsonKeySession {
  constructor(client, key) {
    this.client = client;
    this.key = key;
  }
  async getItems(limit) {
    const items = JSON.parse((await this.client.get(this.key)) ?? "[]");
    return limit === undefined ? items : items.slice(-limit);
  }
  async addItems(items) {
    const stored = JSON.parse((await this.client.get(this.key)) ?? "[]");
    stored.push(...items);
    await this.client.set(this.key, JSON.stringify(stored));
  }
}

export async function runOpenAIAgents({ manager, url, log }) {
  const prefix = `bench-oa-${Date.now()}`;
  const client = createClient({ url });
  await client.connect();
  try {
    const impls = {};
    const turn = (session) => async (i) => {
      await session.getItems(50);
      await session.addItems(turnItems(i));
    };
    for (const n of SIZES) {
      const session = new ConvmemSession({ sessionId: `${prefix}-${n}`, manager });
      await session.clearSession();
      const items = history(n);
      for (let i = 0; i < n; i += 2000) await session.addItems(items.slice(i, i + 2000));
      const memory = manager.getMemory(session.sessionId);
      impls[`convmem_${n}`] = {
        op: turn(session),
        restore: () => memory.batch([{ op: "splice", field: session.field, start: -3, deleteCount: 3 }]),
      };
    }
    const key = `${prefix}:json-array`;
    const original = JSON.stringify(history(1_000));
    await client.set(key, original);
    const handwritten_1000 = {
      op: turn(new JsonKeySession(client, key)),
      restore: () => client.set(key, original),
    };
    const inProcess = new MemorySession({ initialItems: history(1_000) });
    const memory_session_1000 = {
      op: turn(inProcess),
      restore: async () => {
        for (let k = 0; k < 3; k++) await inProcess.popItem();
      },
    };

    // Flatness: the three sizes interleaved call by call (same code, so load bursts hit them alike).
    const sizes = Object.fromEntries(SIZES.map((n) => [`convmem_${n}`, impls[`convmem_${n}`]]));
    const flat = await compareInterleaved(sizes, { ms: 1500, warmMs: 300 });
    // Against other implementations: each timed in blocks of its own calls, so the garbage a
    // JSON-array session makes is collected on its own time, not on the next call's.
    const others = { convmem_1000: impls.convmem_1000, handwritten_1000, memory_session_1000 };
    const vs = await compareLatency(others, { ms: 300 });
    const toUs = (opsPerSec) => +(1e6 / opsPerSec).toFixed(1);
    const rows = [
      ...SIZES.map((n) => ({
        impl: `convmem_${n}`,
        us_per_turn: toUs(flat[`convmem_${n}`].opsPerSec),
        rounds: flat[`convmem_${n}`].rounds.map(toUs),
        measured: "interleaved",
      })),
      ...Object.keys(others).map((name) => ({
        impl: name,
        us_per_turn: vs[name].usPerCall,
        rounds: vs[name].rounds,
        measured: "blocks",
      })),
    ];
    for (const row of rows)
      log(`  ${`${row.impl} (${row.measured})`.padEnd(34)} ${row.us_per_turn} µs per turn`);
    const us = (name, measured) =>
      rows.find((row) => row.impl === name && row.measured === measured).us_per_turn;
    const flatness = +(us("convmem_10000", "interleaved") / us("convmem_10", "interleaved")).toFixed(2);
    const sameWindow = +(us("convmem_10000", "interleaved") / us("convmem_50", "interleaved")).toFixed(2);
    const vsHandwritten = +(us("handwritten_1000", "blocks") / us("convmem_1000", "blocks")).toFixed(1);
    log(`  convmem at 10,000 items vs 10: ${flatness}x (target <= 1.2; reads 50 items vs 10)`);
    log(`  convmem at 10,000 items vs 50 (both read 50): ${sameWindow}x`);
    log(
      `  hand-written JSON-array session at 1,000 items vs convmem: ${vsHandwritten}x slower (target >= 10)`,
    );
    for (const n of SIZES) await new ConvmemSession({ sessionId: `${prefix}-${n}`, manager }).clearSession();
    await client.del(key);
    return {
      rows,
      flatness: { convmem_10000_vs_10: flatness, target: 1.2, met: flatness <= 1.2 },
      same_window: { convmem_10000_vs_50: sameWindow, target: 1.2, met: sameWindow <= 1.2 },
      vs_handwritten: { handwritten_vs_convmem_1000: vsHandwritten, target: 10, met: vsHandwritten >= 10 },
    };
  } finally {
    await client.quit();
  }
}

/** Summary rows of this section for the suite's table. */
export function openAIAgentsSummary(result) {
  if (!result) return [];
  return [
    {
      measurement: "openai-agents turn (getItems(50) + addItems(3)) at 10,000 items vs 10",
      result: result.flatness.convmem_10000_vs_10,
      target: "<= 1.2",
      met: result.flatness.met,
    },
    {
      measurement: "openai-agents turn at 10,000 items vs 50 (both read 50 items)",
      result: result.same_window.convmem_10000_vs_50,
      target: "<= 1.2",
      met: result.same_window.met,
    },
    {
      measurement: "openai-agents turn at 1,000 items: hand-written JSON-array session / convmem",
      result: result.vs_handwritten.handwritten_vs_convmem_1000,
      target: ">= 10",
      met: result.vs_handwritten.met,
    },
    {
      measurement: "openai-agents turn at 1,000 items: MemorySession (in-process floor) µs",
      result: result.rows.find((row) => row.impl === "memory_session_1000")?.us_per_turn,
      target: "-",
      met: "-",
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.OPENAI_AGENTS_DISABLE_TRACING ??= "1";
  const { createMemoryManager } = await import("../dist/index.js");
  const { startRedisServer } = await import("../examples/demo-support.mjs");
  const server = await startRedisServer();
  if (!server) throw new Error("bench/openai-agents.mjs needs redis-server on PATH");
  const manager = createMemoryManager({ redis: server.url });
  try {
    console.log("7. convmem/openai-agents: a turn = getItems(50) + addItems(3), 1 in flight (µs per turn)");
    const result = await runOpenAIAgents({ manager, url: server.url, log: (s) => console.log(s) });
    console.table(openAIAgentsSummary(result));
  } finally {
    await manager.close();
    await server.stop();
  }
}

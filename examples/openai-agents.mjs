#!/usr/bin/env node
// A small support agent on the OpenAI Agents SDK whose conversation lives in convmem: two
// stateless worker processes serve alternate turns of one session (a ConvmemSession), so each
// turn is answered by a process that did not see the previous one — yet the agent remembers.
//
// Offline by default: the model is the SDK's scripted test model (@openai/agents-core/testing),
// which calls the tool for an order it is asked about and otherwise answers from the history it
// is given. With OPENAI_API_KEY set, a real OpenAI model answers instead (OPENAI_MODEL, default
// gpt-4.1-mini; needs @openai/agents-openai).
//
// Redis: REDIS_URL / CONVMEM_REDIS_URL, else a redis-server it starts from PATH. It writes
// under a key prefix of its own and removes it at the end.
//
// Usage: npm run build && node examples/openai-agents.mjs
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Agent, run, tool } from "@openai/agents-core";
import { z } from "zod";
import { createMemoryManager } from "../dist/index.js";
import { ConvmemSession } from "../dist/openai-agents/index.js";
import { startRedisServer } from "./demo-support.mjs";

const REAL_MODEL = Boolean(process.env.OPENAI_API_KEY);
if (!REAL_MODEL) process.env.OPENAI_AGENTS_DISABLE_TRACING ??= "1";

const TURNS = ["Hi! Where is my order 1042?", "And order 1043?", "Which orders did I ask you about?"];

// ---- the worker: one Agent, a tool, a ConvmemSession per turn --------------------------------

const ORDERS = { 1042: "shipped on Monday, arriving Thursday", 1043: "being packed, ships tomorrow" };

const lookupOrder = tool({
  name: "lookup_order",
  description: "Looks up the status of an order by its number.",
  parameters: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => `Order ${orderId}: ${ORDERS[orderId] ?? "not found"}`,
});

/** Text of a message item (a string, or its text parts). */
const textOf = (item) =>
  typeof item?.content === "string"
    ? item.content
    : (item?.content ?? []).map((part) => part.text ?? "").join("");

/** The offline model: calls the tool for an order number it is asked about, else answers from the history. */
async function scriptedModel() {
  const { ScriptedModel, assistantMessage, functionCall, modelResponder } = await import(
    "@openai/agents-core/testing"
  );
  const respond = ({ request }) => {
    const last = request.input.at(-1);
    if (last?.type === "function_call_result") return [assistantMessage(`${last.output.text}.`)];
    const orderId = /\d{3,}/.exec(textOf(last))?.[0];
    if (orderId)
      return [
        functionCall("lookup_order", { orderId }, { callId: `call_${randomBytes(4).toString("hex")}` }),
      ];
    const asked = request.input
      .filter((item) => item.type === "function_call")
      .map((item) => JSON.parse(item.arguments).orderId);
    return [assistantMessage(`You asked me about orders ${asked.join(" and ")}.`)];
  };
  return new ScriptedModel(Array.from({ length: 20 }, () => modelResponder(respond)));
}

async function worker() {
  const name = process.argv[3];
  const manager = createMemoryManager({
    redis: process.env.EXAMPLE_REDIS_URL,
    keyPrefix: process.env.EXAMPLE_PREFIX,
  });
  let model;
  if (REAL_MODEL) {
    const { OpenAIProvider } = await import("@openai/agents-openai");
    model = await new OpenAIProvider().getModel(process.env.OPENAI_MODEL ?? "gpt-4.1-mini");
  }
  process.on("message", async ({ sessionId, input }) => {
    const agent = new Agent({
      name: "Support",
      instructions: "You help customers with their orders. Use lookup_order for order questions. Be brief.",
      model: model ?? (await scriptedModel()),
      tools: [lookupOrder],
    });
    const session = new ConvmemSession({ sessionId, manager });
    const result = await run(agent, input, { session });
    process.send({ worker: name, answer: result.finalOutput });
  });
  process.on("disconnect", () => manager.close());
  process.send({ ready: name });
}

// ---- the front: routes alternate turns to two workers -----------------------------------------

async function main() {
  let redis = process.env.REDIS_URL || process.env.CONVMEM_REDIS_URL;
  let server;
  if (!redis) {
    server = await startRedisServer();
    if (!server) {
      console.error(
        "openai-agents example: needs Redis (two processes share the session): set REDIS_URL or install redis-server",
      );
      process.exit(2);
    }
    redis = server.url;
  }
  const prefix = `convmem-example-${randomBytes(4).toString("hex")}`;
  const sessionId = `support:${randomBytes(4).toString("hex")}`;
  const env = { ...process.env, EXAMPLE_REDIS_URL: redis, EXAMPLE_PREFIX: prefix };
  const file = fileURLToPath(import.meta.url);
  const workers = ["worker-1", "worker-2"].map((name) => fork(file, ["worker", name], { env }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once("message", resolve))));
  console.log(
    `session ${sessionId} (${REAL_MODEL ? "OpenAI model" : "scripted model, offline"}), two worker processes\n`,
  );

  for (const [turn, input] of TURNS.entries()) {
    const w = workers[turn % 2];
    const reply = new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("exit", (code) => reject(new Error(`worker exited with code ${code}`)));
    });
    w.send({ sessionId, input });
    const { worker: served, answer } = await reply;
    console.log(`user:            ${input}`);
    console.log(`agent (${served}): ${answer}\n`);
  }

  const manager = createMemoryManager({ redis, keyPrefix: prefix });
  const items = await new ConvmemSession({ sessionId, manager }).getItems();
  console.log(`the session holds ${items.length} items:`);
  for (const item of items) {
    const what =
      item.type === "function_call"
        ? `${item.name}(${item.arguments})`
        : item.type === "function_call_result"
          ? item.output.text
          : textOf(item);
    console.log(`  ${(item.role ?? item.type).padEnd(20)} ${what}`);
  }
  await manager.cleanupConversation(sessionId);
  await manager.close();
  for (const w of workers) w.disconnect();
  await server?.stop();
}

if (process.argv[2] === "worker") await worker();
else await main();

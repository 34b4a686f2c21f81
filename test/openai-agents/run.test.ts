/**
 * A real `run()` of an Agent with a tool, on the SDK's scripted test model
 * (`@openai/agents-core/testing`, no network), whose turns alternate between two worker
 * processes (test/fixtures/openai-run-worker.mjs) sharing one ConvmemSession, on standalone
 * Redis and Cluster: each turn's model input holds every earlier turn's items — the other
 * process's function calls and results included — and the session ends with every turn's items
 * in order.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AgentInputItem } from "@openai/agents-core";
import { createMemoryManager } from "../../src/index.js";
import { ConvmemSession } from "../../src/openai-agents/index.js";
import { fixture, type NodeChild, runNode } from "../helpers/node-child.js";
import { freshId } from "../helpers/targets.js";
import { redisBackends } from "./helpers.js";

const TURNS = 4;
/** The items a turn stores, without the ids and fields the runner adds (compared by shape). */
const shape = (item: AgentInputItem): string => {
  const i = item as { type?: string; role?: string; callId?: string };
  return [i.type ?? "message", i.role ?? "", i.callId ?? ""].join(":");
};

for (const backend of redisBackends()) {
  describe(`run() turns alternating between two processes (${backend.name})`, () => {
    let url = "";
    let stop: () => Promise<void> = async () => {};
    before(async () => {
      ({ url, stop } = await backend.start());
    });
    after(async () => {
      await stop();
    });

    it(`${TURNS} turns with a tool call each, served by alternating workers, see all earlier turns`, async () => {
      const keyPrefix = freshId("oa-run");
      const sessionId = freshId("support");
      const workers: NodeChild[] = ["A", "B"].map((worker) =>
        runNode(fixture("openai-run-worker.mjs"), [JSON.stringify({ url, keyPrefix, sessionId, worker })], {
          env: { ...process.env, OPENAI_AGENTS_DISABLE_TRACING: "1" },
        }),
      );
      try {
        for (const w of workers) assert.equal(await w.nextLine(), "ready");
        const manager = createMemoryManager({ redis: url, keyPrefix });
        const session = new ConvmemSession({ sessionId, manager });
        try {
          for (let turn = 0; turn < TURNS; turn++) {
            const worker = workers[turn % 2] as NodeChild;
            const before = await session.getItems();
            worker.send(JSON.stringify({ input: `Where is order ${100 + turn}?` }));
            const { finalOutput, modelInputs } = JSON.parse(await worker.nextLine()) as {
              finalOutput: string;
              modelInputs: AgentInputItem[][];
            };
            const served = turn % 2 === 0 ? "A" : "B";
            assert.equal(
              finalOutput,
              `order ${100 + turn}: shipped (looked up by ${served}); ${turn} earlier lookups in this conversation`,
            );
            // The first model call sees the whole history plus the new question.
            const [first, second] = modelInputs;
            assert.deepEqual(first?.map(shape), [...before.map(shape), "message:user:"]);
            assert.equal(first?.length, 4 * turn + 1);
            for (let earlier = 0; earlier < turn; earlier++) {
              const by = earlier % 2 === 0 ? "A" : "B";
              const callId = `call-${by}-${Math.floor(earlier / 2) + 1}`;
              const result = first?.find((i) => i.type === "function_call_result" && i.callId === callId);
              assert.ok(
                first?.some((i) => i.type === "function_call" && i.callId === callId),
                `turn ${turn} sees ${callId}`,
              );
              assert.match(
                JSON.stringify(result),
                new RegExp(`order ${100 + earlier}: shipped \\(looked up by ${by}\\)`),
              );
            }
            // The second holds this turn's call and its result too.
            assert.deepEqual(second?.slice(-2).map(shape), [
              `function_call::call-${served}-${Math.floor(turn / 2) + 1}`,
              `function_call_result::call-${served}-${Math.floor(turn / 2) + 1}`,
            ]);
          }
          const items = await session.getItems();
          assert.equal(items.length, 4 * TURNS);
          const expected = Array.from({ length: TURNS }, (_, turn) => {
            const callId = `call-${turn % 2 === 0 ? "A" : "B"}-${Math.floor(turn / 2) + 1}`;
            return [
              "message:user:",
              `function_call::${callId}`,
              `function_call_result::${callId}`,
              "message:assistant:",
            ];
          }).flat();
          assert.deepEqual(items.map(shape), expected);
        } finally {
          await manager.close();
        }
      } finally {
        for (const w of workers) w.process.stdin?.end();
        const exits = await Promise.all(workers.map((w) => w.exit(10_000)));
        for (const e of exits) assert.equal(e.code, 0, e.stderr);
      }
    });
  });
}

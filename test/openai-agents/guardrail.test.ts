/**
 * The SDK runner's own use of `applyHistoryTransaction`: an output guardrail trips, the runner
 * persists the turn's input as an `append_items` transaction, the session fails after the commit
 * (a lost reply), and the run resumed from the tripwire's state — through another manager, as
 * another worker would — retries the same operation id: the input is stored once. (Ported from
 * the SDK's run.outputGuardrailReplaySession test, on every selected target.)
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  Agent,
  OutputGuardrailTripwireTriggered,
  type RunState,
  run,
  type SessionHistoryTransactionArgs,
  tool,
  Usage,
} from "@openai/agents-core";
import { assistantMessage, functionCall, modelResponse, ScriptedModel } from "@openai/agents-core/testing";
import { z } from "zod";
import { ConvmemSession, type ConvmemSessionOptions } from "../../src/openai-agents/index.js";
import { forEachTarget, freshId } from "../helpers/targets.js";
import "./helpers.js";

/** A ConvmemSession whose first transaction fails after it committed (a lost reply). */
class LostReplySession extends ConvmemSession {
  readonly operationIds: string[] = [];
  constructor(
    options: ConvmemSessionOptions,
    private failAfterCommit: boolean,
  ) {
    super(options);
  }
  override async applyHistoryTransaction(args: SessionHistoryTransactionArgs): Promise<void> {
    this.operationIds.push(args.operationId);
    await super.applyHistoryTransaction(args);
    if (this.failAfterCommit) {
      this.failAfterCommit = false;
      throw new Error("the reply was lost after the commit");
    }
  }
}

forEachTarget((t) => {
  it("a tripped output guardrail's transaction, retried by a resumed run, stores the input once", async () => {
    const secretTool = tool({
      name: "discarded_response_tool",
      description: "Returns output from a response that cannot be rebuilt.",
      parameters: z.object({}),
      execute: async () => "discarded terminal tool secret",
    });
    const agent = new Agent({
      name: "Input-only blocked transaction agent",
      model: new ScriptedModel([
        modelResponse({
          output: [
            assistantMessage("discarded assistant response secret"),
            functionCall("discarded_response_tool", {}, { callId: "discarded-response-call" }),
          ],
          usage: new Usage(),
        }),
      ]),
      tools: [secretTool],
      toolUseBehavior: "stop_on_first_tool",
      outputGuardrails: [
        { name: "reject", execute: async () => ({ outputInfo: {}, tripwireTriggered: true }) },
      ],
    });
    const sessionId = freshId("guardrail");
    const first = new LostReplySession({ sessionId, manager: t.newManager() }, true);
    let state: RunState<unknown, Agent> | undefined;
    await assert.rejects(
      run(agent, "preserve the discarded response input", { session: first }),
      (err: unknown) => {
        assert.ok(err instanceof OutputGuardrailTripwireTriggered);
        state = err.state as RunState<unknown, Agent>;
        return true;
      },
    );
    assert.ok(state?._pendingSessionHistoryTransaction, "the runner keeps the transaction pending");

    const second = new LostReplySession({ sessionId, manager: t.newManager() }, false);
    await assert.rejects(run(agent, state, { session: second }), OutputGuardrailTripwireTriggered);
    assert.equal(first.operationIds.length, 1);
    assert.deepEqual(
      second.operationIds,
      first.operationIds,
      "the resumed run retried the same operation id",
    );
    const persisted = await second.getItems();
    assert.equal(persisted.length, 1);
    const text = JSON.stringify(persisted);
    assert.ok(text.includes("preserve the discarded response input"));
    assert.ok(!text.includes("secret"));
  });
});

/** `BaseAgent` on the store under test: its memory comes from the injected manager. */
import assert from "node:assert/strict";
import { BaseAgent, createEnvelope, type Envelope } from "../index.js";
import type { ContractContext } from "./contract.js";
import { freshId } from "./helpers.js";

class CountingAgent extends BaseAgent {
  async process(env: Envelope): Promise<Envelope> {
    const memory = this.getMemory(env.conversationId);
    await memory.addMessage("user", String(env.payload.text), {}, { id: env.messageId });
    const count = await memory.getMessageCount();
    return { ...env, payload: { text: `message ${count}` } };
  }
}

export function agentTests(t: ContractContext): void {
  const { describe, it } = t;
  describe("BaseAgent", () => {
    it("processes envelopes against the injected manager; cleanupMemory and getMemoryStats delegate", async () => {
      const manager = t.newManager({ keyPrefix: `agent-${freshId()}` });
      const agent = new CountingAgent({ manager });
      const id = freshId();
      const first = await agent.process(
        createEnvelope({ conversationId: id, messageId: "m1", payload: { text: "hi" } }),
      );
      assert.deepEqual(first.payload, { text: "message 1" });
      assert.equal(first.conversationId, id);
      // A redelivery of the same inbound message changes nothing.
      const again = await agent.process(
        createEnvelope({ conversationId: id, messageId: "m1", payload: { text: "hi" } }),
      );
      assert.deepEqual(again.payload, { text: "message 1" });
      // Another worker (agent instance) sees the same conversation.
      const other = new CountingAgent({ manager: t.newManager({ keyPrefix: "unused" }) });
      assert.notEqual(other.getMemory(id), agent.getMemory(id));
      const stats = await agent.getMemoryStats();
      assert.equal(stats.totalConversations, 1);
      assert.deepEqual(stats.conversations[0]?.conversationId, id);
      assert.equal(await agent.cleanupMemory(id), 1);
      assert.equal((await agent.getMemoryStats()).totalConversations, 0);
    });
  });
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BaseAgent, createEnvelope, type Envelope, ValidationError } from "../../src/index.js";
import { bad, forEachTarget, freshId } from "../helpers/targets.js";

class CountingAgent extends BaseAgent {
  async process(env: Envelope): Promise<Envelope> {
    const memory = this.getMemory(env.conversationId);
    await memory.addMessage("user", String(env.payload.text), {}, { id: env.messageId });
    const count = await memory.getMessageCount();
    return { ...env, payload: { text: `message ${count}` } };
  }
}

forEachTarget((t) => {
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
});

describe("createEnvelope", () => {
  it("fills a fresh messageId and an empty payload, keeps metadata", () => {
    const env = createEnvelope({ conversationId: "c1", metadata: { channel: "sms" } });
    assert.equal(env.conversationId, "c1");
    assert.match(env.messageId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(env.payload, {});
    assert.deepEqual(env.metadata, { channel: "sms" });
    assert.notEqual(createEnvelope({ conversationId: "c1" }).messageId, env.messageId);
  });

  it("rejects invalid conversation ids, message ids and payloads with ValidationError", () => {
    assert.throws(() => createEnvelope({ conversationId: "" }), ValidationError);
    assert.throws(() => createEnvelope({ conversationId: "c", messageId: "" }), ValidationError);
    assert.throws(() => createEnvelope({ conversationId: "c", payload: bad([1]) }), ValidationError);
    assert.throws(() => createEnvelope({ conversationId: "c", payload: bad(null) }), ValidationError);
  });
});

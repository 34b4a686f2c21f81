/** The contract's BaseAgent tests (src/testing/agent.ts) on every selected target; createEnvelope needs no store. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEnvelope, ValidationError } from "../../src/index.js";
import { runStoreContract } from "../../src/testing/index.js";
import { bad, contractTargets, nodeTestRunner } from "../helpers/targets.js";

for (const target of contractTargets()) {
  runStoreContract({ ...nodeTestRunner, ...target, areas: ["agent"] });
}

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

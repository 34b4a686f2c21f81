// A demo worker process: receives envelopes from the coordinator over IPC, processes each with
// the SMS agent against the shared Redis, and acknowledges it with the operation timings.
import { createMemoryManager } from "../dist/index.js";
import { SMSAssistantAgent } from "./sms-agent.mjs";

const keyPrefix = process.env.CONVMEM_DEMO_PREFIX;
const manager = createMemoryManager({ redis: process.env.REDIS_URL, ...(keyPrefix ? { keyPrefix } : {}) });

process.on("message", async (msg) => {
  if (msg.type === "stop") {
    await manager.close();
    process.disconnect();
    return;
  }
  const timings = [];
  const agent = new SMSAssistantAgent({ manager }); // cheap: one per message keeps timings apart
  agent.onTiming = (op, ms) => timings.push([op, ms]);
  try {
    const reply = await agent.process(msg.env);
    process.send({ type: "ack", messageId: msg.env.messageId, reply: reply.payload.text, timings });
  } catch (err) {
    process.send({ type: "nack", messageId: msg.env.messageId, error: String(err?.message ?? err) });
  }
});
process.on("disconnect", () => process.exit(0)); // the coordinator is gone
process.send({ type: "ready" });

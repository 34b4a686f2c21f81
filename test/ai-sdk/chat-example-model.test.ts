/**
 * examples/ai-sdk-chat/model.mjs: which model the example runs on — a gateway model id when
 * AI_GATEWAY_API_KEY is set (AI_MODEL, else openai/gpt-4o-mini), else the offline mock — and
 * the server saying so on startup. Nothing here reaches the network: a gateway model is only
 * a string until a chat request uses it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { streamText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { repoRoot, runNode } from "../helpers/node-child.js";

const DIR = join(repoRoot, "examples", "ai-sdk-chat");

interface Picked {
  label: string;
  forQuestion(question: string): unknown;
}
const { pickModel } = (await import(pathToFileURL(join(DIR, "model.mjs")).href)) as {
  pickModel(env: Record<string, string | undefined>): Picked;
};

describe("examples/ai-sdk-chat model selection", () => {
  it("a gateway model id when AI_GATEWAY_API_KEY is set", () => {
    const picked = pickModel({ AI_GATEWAY_API_KEY: "k" });
    assert.equal(picked.label, "gateway openai/gpt-4o-mini");
    assert.equal(picked.forQuestion("hi"), "openai/gpt-4o-mini");
    const chosen = pickModel({ AI_GATEWAY_API_KEY: "k", AI_MODEL: "anthropic/claude-sonnet-4" });
    assert.equal(chosen.forQuestion("hi"), "anthropic/claude-sonnet-4");
  });

  it("the offline mock otherwise (an empty key counts as none), echoing the question", async () => {
    for (const env of [{}, { AI_GATEWAY_API_KEY: "", AI_MODEL: "openai/gpt-4o" }, { MOCK_DELAY_MS: "0" }]) {
      const picked = pickModel({ MOCK_DELAY_MS: "0", ...env });
      assert.match(picked.label, /^mock \(offline/);
      const model = picked.forQuestion("ping");
      assert.ok(model instanceof MockLanguageModelV3);
      const text = await streamText({ model, prompt: "ping" }).text;
      assert.match(text, /^You said: "ping"\. word1 .* word40 $/);
    }
    assert.equal(pickModel({}).label, "mock (offline, 60 ms a chunk)");
  });

  it("the server prints the model it uses before `listening`", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: "0",
      AI_GATEWAY_API_KEY: "not-a-key",
      AI_MODEL: "openai/gpt-4.1-nano",
    };
    delete env.REDIS_URL; // the in-memory store
    const server = runNode(join(DIR, "server.mjs"), [], { env });
    try {
      assert.equal(await server.nextLine(), "model gateway openai/gpt-4.1-nano");
      assert.match(await server.nextLine(), /^listening \d+$/);
    } finally {
      server.process.kill("SIGKILL");
    }
  });
});

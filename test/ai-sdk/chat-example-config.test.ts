/**
 * examples/ai-sdk-chat's configuration. The model (model.mjs): a gateway model id when
 * AI_GATEWAY_API_KEY is set (AI_MODEL, else openai/gpt-4o-mini), else the offline mock, and
 * the server saying which on startup; nothing here reaches the network, a gateway model is only
 * a string until a chat request uses it. The store: Redis with REDIS_URL, else in memory — a
 * chat over plain HTTP with no Redis anywhere keeps its messages.
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

describe("examples/ai-sdk-chat configuration", () => {
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

  it("keeps the chats in memory without REDIS_URL", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", MOCK_DELAY_MS: "0" };
    delete env.REDIS_URL;
    delete env.AI_GATEWAY_API_KEY;
    const server = runNode(join(DIR, "server.mjs"), [], { env });
    try {
      assert.equal(await server.nextLine(), "model mock (offline, 0 ms a chunk)");
      const base = `http://127.0.0.1:${(await server.nextLine()).split(" ")[1]}`;
      const message = { id: "u1", role: "user", parts: [{ type: "text", text: "remember me" }] };
      const res = await fetch(`${base}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: "c1", message }),
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /word40/);
      let stored: Array<{ role: string; parts: Array<{ text?: string }> }> = [];
      for (let attempt = 0; attempt < 20 && stored.length < 2; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50)); // the final save follows the stream's end
        stored = (await (await fetch(`${base}/api/chats/c1`)).json()) as typeof stored;
      }
      assert.deepEqual(
        stored.map((m) => m.role),
        ["user", "assistant"],
      );
      assert.match(stored[1]?.parts.at(-1)?.text ?? "", /^You said: "remember me"\. word1 .* word40 $/);
    } finally {
      server.process.kill("SIGKILL");
    }
  });
});

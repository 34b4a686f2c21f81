// The example's model: a real one through the Vercel AI Gateway (bundled with `ai`) when
// AI_GATEWAY_API_KEY is set, else an offline mock that echoes the question and counts words.
//   AI_GATEWAY_API_KEY=…                a gateway model, AI_MODEL (default openai/gpt-4o-mini)
//   MOCK_DELAY_MS=60 (default)          the mock's pause between chunks
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";

/** The gateway model used when AI_MODEL is not set. */
export const DEFAULT_GATEWAY_MODEL = "openai/gpt-4o-mini";

/** The offline model: echoes `question`, then 40 words, `delayMs` apart. */
export function mockModel(question, delayMs) {
  const words = [`You said: "${question}". `, ...Array.from({ length: 40 }, (_, i) => `word${i + 1} `)];
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunkDelayInMs: delayMs,
        chunks: [
          { type: "text-start", id: "t" },
          ...words.map((delta) => ({ type: "text-delta", id: "t", delta })),
          { type: "text-end", id: "t" },
          {
            type: "finish",
            finishReason: { unified: "stop", raw: "stop" },
            usage: { inputTokens: { total: 1 }, outputTokens: { total: 41 } },
          },
        ],
      }),
    }),
  });
}

/**
 * The model the environment asks for: `{ label, forQuestion(question) }`, where `forQuestion`
 * gives what `streamText`'s `model` takes — a gateway model id (`ai` resolves a string through
 * the gateway provider, which reads AI_GATEWAY_API_KEY) or a fresh mock for that question.
 */
export function pickModel(env = process.env) {
  if (env.AI_GATEWAY_API_KEY) {
    const id = env.AI_MODEL || DEFAULT_GATEWAY_MODEL;
    return { label: `gateway ${id}`, forQuestion: () => id };
  }
  const delayMs = Number(env.MOCK_DELAY_MS ?? 60);
  return { label: `mock (offline, ${delayMs} ms a chunk)`, forQuestion: (q) => mockModel(q, delayMs) };
}

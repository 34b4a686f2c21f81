/**
 * The two AI SDK versions the adapter's tests run on — ai 6 (`ai`, callback `onFinish`) and
 * ai 7 (`ai7`, an npm alias, callback `onEnd`) — with a mock model of each version's `ai/test`
 * that streams given words, and the route of docs/ai-sdk.md run against it.
 */
import type { UIMessage } from "ai";
import type { ChatStore } from "../../src/ai-sdk/index.js";

export interface Sdk {
  name: "ai 6" | "ai 7";
  /** The package name (`ai` or `ai7`), for fixtures. */
  pkg: "ai" | "ai7";
  // biome-ignore lint/suspicious/noExplicitAny: two major versions of a module, used alike
  ai: any;
  // biome-ignore lint/suspicious/noExplicitAny: the versions' `ai/test`
  test: any;
  /** The name of the stream's completion callback. */
  onEndName: "onFinish" | "onEnd";
}

export async function loadSdks(): Promise<Sdk[]> {
  return [
    { name: "ai 6", pkg: "ai", ai: await import("ai"), test: await import("ai/test"), onEndName: "onFinish" },
    { name: "ai 7", pkg: "ai7", ai: await import("ai7"), test: await import("ai7/test"), onEndName: "onEnd" },
  ];
}

/** A mock model of `sdk` streaming `words` as one text part, `delayMs` between chunks. */
export function wordsModel(sdk: Sdk, words: readonly string[], delayMs = 0): unknown {
  const chunks = [
    { type: "stream-start", warnings: [] },
    { type: "text-start", id: "t1" },
    ...words.map((delta) => ({ type: "text-delta", id: "t1", delta })),
    { type: "text-end", id: "t1" },
    {
      type: "finish",
      finishReason: { unified: "stop", raw: "stop" },
      usage: { inputTokens: { total: 1 }, outputTokens: { total: words.length } },
    },
  ];
  return new sdk.test.MockLanguageModelV3({
    doStream: async () => ({ stream: sdk.test.simulateReadableStream({ chunks, chunkDelayInMs: delayMs }) }),
  });
}

export const userMessage = (id: string, text: string): UIMessage => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});

export interface RouteRun {
  /** The messages the completion callback received, JSON-normalized. */
  callbackMessages: UIMessage[];
  /** Whether the callback said the stream was aborted. */
  isAborted: boolean;
  /** The response body (SSE text) as far as it was read. */
  body: string;
}

/**
 * The route: `streamText` → `toUIMessageStreamResponse({ originalMessages, generateMessageId,
 * consumeSseStream, onFinish | onEnd })` → `persistStream`'s hooks; resolves once the
 * callback's save is done.
 */
export async function runRoute(
  sdk: Sdk,
  chats: ChatStore,
  opts: {
    chatId: string;
    messages: UIMessage[];
    words: readonly string[];
    replyId: string;
    delayMs?: number;
    abortAfterChunks?: number;
    persist?: boolean;
  },
): Promise<RouteRun> {
  const controller = new AbortController();
  const result = sdk.ai.streamText({
    model: wordsModel(sdk, opts.words, opts.delayMs ?? 0),
    messages: await sdk.ai.convertToModelMessages(opts.messages),
    abortSignal: controller.signal,
  });
  const persist =
    opts.persist === false
      ? undefined
      : chats.persistStream({ chatId: opts.chatId, originalMessages: opts.messages, everyChunks: 2 });
  let finished!: (run: { messages: UIMessage[]; isAborted: boolean }) => void;
  const callback = new Promise<{ messages: UIMessage[]; isAborted: boolean }>((r) => {
    finished = r;
  });
  const response: Response = result.toUIMessageStreamResponse({
    originalMessages: opts.messages,
    generateMessageId: () => opts.replyId,
    ...(persist === undefined ? {} : { consumeSseStream: persist.consumeSseStream }),
    [sdk.onEndName]: async (event: { messages: UIMessage[]; isAborted: boolean }) => {
      if (persist === undefined) await chats.saveChat({ chatId: opts.chatId, messages: event.messages });
      else await persist.onFinish(event);
      // what a reload can equal: JSON-normalized (the SDK leaves `metadata: undefined` and the like)
      finished({ messages: JSON.parse(JSON.stringify(event.messages)), isAborted: event.isAborted });
    },
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let body = "";
  let deltas = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = decoder.decode(value, { stream: true });
    body += text;
    deltas += text.split('"text-delta"').length - 1;
    if (opts.abortAfterChunks !== undefined && deltas >= opts.abortAfterChunks && !controller.signal.aborted)
      controller.abort();
  }
  const run = await callback;
  await persist?.done;
  return { callbackMessages: run.messages, isAborted: run.isAborted, body };
}

/** The text of a message's text parts, joined. */
export const textOf = (m: UIMessage | undefined): string =>
  (m?.parts ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");

/**
 * `chats.persistStream(...)`: saves the in-flight assistant message while the response
 * streams, so an aborted stream or a worker killed mid-way leaves the partial reply in the
 * chat, and the SDK's final message replaces it in place.
 */
import type { UIMessage } from "ai";
import { ValidationError } from "../index.js";
import { PartialMessage } from "./reduce.js";
import type { ChatStore } from "./store.js";

/** Options of {@link ChatStore.persistStream}. */
export interface PersistStreamOptions<M extends UIMessage = UIMessage> {
  chatId: string;
  /** The messages the response is for (what `originalMessages` gets). */
  originalMessages: readonly M[];
  /** Save the partial reply once this many chunks arrived since the last save. @default 16 */
  everyChunks?: number;
  /** … or once this many milliseconds passed since the last save (and a chunk is unsaved). @default 250 */
  everyMs?: number;
  /** Called with an error of a partial save (the stream goes on). @default console.error */
  onError?: (error: unknown) => void;
}

/** What `persistStream` returns: two hooks for `toUIMessageStreamResponse`. */
export interface StreamPersistence<M extends UIMessage = UIMessage> {
  /** Pass as `consumeSseStream`: reads a copy of the response stream and saves as it goes. */
  readonly consumeSseStream: (options: { stream: ReadableStream<string> }) => void;
  /** Pass as `onFinish` (ai 6) or `onEnd` (ai 7): the final save, after every partial one. */
  readonly onFinish: (event: { messages: M[] }) => Promise<void>;
  /** Settles once the copy of the stream is read to its end and every save is done. */
  readonly done: Promise<void>;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0)
    throw new ValidationError(`${name} must be a positive integer`);
  return value;
}

/** The events of an SSE text stream: the JSON of each `data:` line (`[DONE]` and comments skipped). */
async function* sseChunks(
  stream: ReadableStream<string>,
): AsyncGenerator<Record<string, unknown> & { type: string }> {
  const reader = stream.getReader();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "" || data === "[DONE]") continue;
          const chunk = JSON.parse(data) as unknown;
          if (
            chunk !== null &&
            typeof chunk === "object" &&
            typeof (chunk as { type?: unknown }).type === "string"
          )
            yield chunk as Record<string, unknown> & { type: string };
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** See {@link ChatStore.persistStream}. */
export function persistStream<M extends UIMessage>(
  store: ChatStore<M>,
  options: PersistStreamOptions<M>,
): StreamPersistence<M> {
  if (options === null || typeof options !== "object")
    throw new ValidationError("persistStream options must be an object");
  const known = ["chatId", "originalMessages", "everyChunks", "everyMs", "onError"];
  for (const key of Object.keys(options))
    if (!known.includes(key))
      throw new ValidationError(`persistStream: unknown option ${JSON.stringify(key)}`);
  const { chatId } = options;
  if (typeof chatId !== "string" || chatId === "")
    throw new ValidationError("chatId must be a non-empty string");
  if (!Array.isArray(options.originalMessages))
    throw new ValidationError("originalMessages must be an array of UIMessages");
  const everyChunks = positive(options.everyChunks, "everyChunks", 16);
  const everyMs = positive(options.everyMs, "everyMs", 250);
  const onError =
    options.onError ?? ((err: unknown) => console.error("convmem/ai-sdk: a partial save failed:", err));

  const original = [...options.originalMessages];
  const last = original[original.length - 1];
  const continued = last?.role === "assistant" ? last : undefined;
  const before = continued === undefined ? original : original.slice(0, -1);
  const partial = new PartialMessage(continued);

  let finished = false;
  let unsaved = 0;
  let lastSave = Date.now();
  let saving = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();

  const save = (): void => {
    if (finished || saving || unsaved === 0) return;
    const message = partial.message();
    if (message === undefined) return; // no id yet (or none: pass generateMessageId)
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    saving = true;
    unsaved = 0;
    lastSave = Date.now();
    chain = chain
      .then(() =>
        finished ? undefined : store.saveChat({ chatId, messages: [...before, message as unknown as M] }),
      )
      .catch(onError)
      .finally(() => {
        saving = false;
        if (unsaved > 0 && !finished && timer === undefined)
          timer = setTimeout(() => {
            timer = undefined;
            save();
          }, everyMs);
      });
  };

  const onChunk = (): void => {
    unsaved++;
    if (unsaved >= everyChunks || Date.now() - lastSave >= everyMs) save();
    else if (timer === undefined && !finished)
      timer = setTimeout(() => {
        timer = undefined;
        save();
      }, everyMs);
  };

  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  return {
    consumeSseStream({ stream }) {
      void (async () => {
        try {
          for await (const chunk of sseChunks(stream)) {
            partial.apply(chunk);
            onChunk();
          }
        } catch (err) {
          onError(err);
        } finally {
          if (timer !== undefined) clearTimeout(timer);
          timer = undefined;
          // The copy ended (completed, aborted or cut off): save what arrived, unless final.
          await chain;
          save();
          await chain;
          resolveDone();
        }
      })();
    },
    async onFinish({ messages }) {
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await chain;
      await store.saveChat({ chatId, messages });
    },
    done,
  };
}

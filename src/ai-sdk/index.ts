/**
 * `convmem/ai-sdk`: chat persistence for the Vercel AI SDK (ai 6 and ai 7). A chat is a
 * conversation's list field `ui_messages` (its UIMessages in order) plus the token field
 * `ui_messages:rev`; `saveChat` makes it exactly the given list in one atomic step and sends
 * only new or changed messages, `upsertMessages` merges by id, and `persistStream` keeps the
 * partial reply of a stream that is aborted or whose worker dies. `ai` is an optional peer
 * dependency, used for types only: `import "convmem"` never loads it.
 *
 * @example
 * ```ts
 * import { createMemoryManager } from "convmem";
 * import { createChatStore } from "convmem/ai-sdk";
 * import { convertToModelMessages, streamText } from "ai";
 *
 * const chats = createChatStore({ manager: createMemoryManager({ redis: process.env.REDIS_URL }) });
 * // in the route, for POST { id, message }:
 * const messages = [...(await chats.loadChat(id)), message];
 * const result = streamText({ model, messages: await convertToModelMessages(messages) });
 * return result.toUIMessageStreamResponse({
 *   originalMessages: messages,
 *   generateMessageId: () => crypto.randomUUID(),
 *   onFinish: ({ messages }) => chats.saveChat({ chatId: id, messages }), // ai 7: onEnd
 * });
 * ```
 * @packageDocumentation
 */
import type { UIMessage } from "ai";
import { ChatStore, type ChatStoreOptions } from "./store.js";

export {
  type ChatMessages,
  ChatStore,
  type ChatStoreOptions,
  type LoadChatOptions,
  MAX_ATTEMPTS,
  REMEMBERED_CHATS,
  REVALIDATE_FROM,
} from "./store.js";
export type { PersistStreamOptions, StreamPersistence } from "./stream.js";

/**
 * A chat store on `manager`'s conversations (chat id = conversation id).
 *
 * @example
 * ```ts
 * const chats = createChatStore({ manager });
 * await chats.saveChat({ chatId: "chat_1", messages });
 * const last10 = await chats.loadChat("chat_1", { limit: 10 });
 * ```
 */
export function createChatStore<M extends UIMessage = UIMessage>(
  options: ChatStoreOptions = {},
): ChatStore<M> {
  return new ChatStore<M>(options);
}

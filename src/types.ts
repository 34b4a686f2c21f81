/**
 * The public option, result and schema types of the memory API, named so applications can use
 * them. A schema is any object type — an `interface` or a type alias — mapping field names to
 * value types; without one (the default `Record<string, unknown>`) every field is `unknown`
 * and every method accepts any field.
 *
 * @example
 * ```ts
 * interface Session { prefs: { lang: string }; turns: number; log: string[] }
 * const memory = manager.getMemory<Session>("conv_1");
 * await memory.incr("turns");          // ok
 * await memory.append("log", "hi");    // ok
 * // memory.append("turns", 1);        // type error: "turns" is not a list field
 * ```
 */
import type { Message } from "./messages.js";

/**
 * What a schema is: any object type with string keys — an `interface` too (an interface is not
 * assignable to `Record<string, unknown>`, which is why the constraint says `any`).
 */
// biome-ignore lint/suspicious/noExplicitAny: the widest constraint that accepts interfaces
export type Schema = Record<string, any>;

/** Field names of a schema. */
export type FieldOf<S> = Extract<keyof S, string>;

/** Element type of a list field. */
export type ElementOf<T> = T extends readonly (infer E)[] ? E : unknown;

/** True when `S` has a string index signature (no fixed fields: anything goes). */
type Open<S> = string extends keyof S ? true : false;

/** Fields of `S` whose type is a list (an array): what the list methods accept. */
export type ListFieldOf<S> =
  Open<S> extends true
    ? FieldOf<S>
    : { [K in FieldOf<S>]-?: NonNullable<S[K]> extends readonly unknown[] ? K : never }[FieldOf<S>];

/** Fields of `S` whose type is a number: what `incr` accepts. */
export type NumberFieldOf<S> =
  Open<S> extends true
    ? FieldOf<S>
    : { [K in FieldOf<S>]-?: NonNullable<S[K]> extends number ? K : never }[FieldOf<S>];

/** The roles of a chat history as LLM SDKs name them. */
export type ChatRole = "user" | "assistant" | "system" | "tool";

/** Options of `set`. */
export interface SetOptions {
  /** Seconds this field lives on its own (null = never expires); omitted: it follows the conversation TTL. */
  ttl?: number | null;
}

/** Options of `append` and `extend`. */
export interface AppendOptions {
  /** Keep at most this many elements: the oldest are dropped (rotation), in the same atomic step. */
  maxLength?: number;
}

/** Options of `getList`: `Array.prototype.slice(start, end)` bounds. */
export interface GetListOptions {
  start?: number;
  end?: number;
}

/** Options of `addMessage`. */
export interface AddMessageOptions {
  /** Idempotency key: a message with an id the history already holds is not added again. */
  id?: string;
  /** Keep at most this many messages (overrides the manager's `maxMessages`). */
  maxMessages?: number;
}

/**
 * Options of `getMessages`: which window of the history to read. They combine: the messages
 * before `before` (else up to the newest), the newest `limit` of them, the newest of those that
 * fit `maxTokens`, trimmed to start on `startOn`. Always oldest first.
 */
export interface GetMessagesOptions {
  /** At most the newest `limit` messages; omitted: no limit; 0: `[]`. */
  limit?: number;
  /**
   * Page back: only the messages older than the message with this id.
   * `MessageNotFoundError` when the history holds no message with that id.
   */
  before?: string;
  /**
   * A token budget: the newest messages whose summed token counts fit it (never over it; `[]`
   * when the newest alone does not fit). Counted by `countTokens`, else by the default
   * approximation {@link estimateTokens}.
   */
  maxTokens?: number;
  /**
   * Counts a message's tokens (e.g. with a tokenizer package) for `maxTokens`: a finite number
   * >= 0. With it the window is read in chunks from the newest end (64 messages, then doubling):
   * at most 1 + ceil(log2(window / 64)) + 1 round trips, each a consistent read, the window
   * taken from the last.
   */
  countTokens?: (message: Message<string>) => number;
  /**
   * The window starts at its first message of this role (or the first the predicate accepts),
   * so it never begins with, say, a tool result whose call was cut off; `[]` when none does.
   */
  startOn?: string | ((message: Message<string>) => boolean);
}

/** Options of `mapKeys`: a page of a map field's keys. */
export interface MapKeysOptions {
  /** The `cursor` of the previous page; omitted: the first page. */
  cursor?: string;
  /** About this many keys per page (Redis may return a few more; a small map comes whole). @default 100 */
  limit?: number;
}

/** A page of `mapKeys`: `cursor` is undefined once every key was listed. */
export interface MapKeysResult {
  keys: string[];
  cursor: string | undefined;
}

/** What `updateMessage` changes; what is omitted stays. `metadata` replaces the old metadata. */
export interface MessageChanges {
  content?: string;
  metadata?: Record<string, unknown>;
}

/** What `compactMessages`' `summarize` returns: the summary message to write. */
export interface CompactionSummary {
  content: string;
  /** @default "system" */
  role?: string;
  /** Stored with `summary: { count, fromId, toId }` added (which it overrides). */
  metadata?: Record<string, unknown>;
}

/** Options of `compactMessages`. */
export interface CompactOptions<R extends string = string> {
  /** The newest `keepLast` messages stay as they are; the older ones are summarized. */
  keepLast: number;
  /**
   * Summarizes the messages to compact (oldest first), e.g. with an LLM call: it runs outside
   * Redis and may take seconds; it may run again (up to 3 times in all) if those messages change
   * meanwhile. If it throws, nothing changes and the error propagates.
   */
  summarize: (messages: Array<Message<R>>) => CompactionSummary | Promise<CompactionSummary>;
}

/** What `compactMessages` returns. */
export interface CompactionResult<R extends string = string> {
  /** How many messages the summary replaced (0: nothing was older than `keepLast`). */
  compacted: number;
  /** How many messages follow the summary (those kept, and those added meanwhile). */
  kept: number;
  /** The summary message, now first in the history; undefined when nothing was compacted. */
  summary: Message<R> | undefined;
}

/** What `getMemorySize` returns. */
export interface MemorySize {
  conversationId: string;
  totalFields: number;
  /** UTF-8 bytes of the encoded values (a list: the sum of its elements). */
  totalSizeBytes: number;
  /** Bytes per field, by field name. */
  fields: Record<string, number>;
}

/** Progress of `cleanupExpiredConversations`: cumulative counts. */
export interface CleanupProgress {
  scanned: number;
  removed: number;
}

/** Options of `cleanupExpiredConversations`. */
export interface CleanupOptions {
  /** Remove conversations whose last write is older than this (seconds, store clock; fractions allowed). */
  maxAgeSeconds: number;
  /** Called after each step with cumulative counts; the last call's `removed` is the result. */
  onProgress?: ((progress: CleanupProgress) => void) | undefined;
  /** Change nothing; return (and report) how many conversations would be removed. */
  dryRun?: boolean | undefined;
}

/** Options of `conversations()`. */
export interface ConversationsOptions {
  /** Conversations fetched from the registry per batch. @default 500 */
  batchSize?: number;
}

/** Options of `listConversations()`: one bounded, resumable read of the registry. */
export interface ListConversationsOptions {
  /**
   * Where to continue: the `cursor` of the previous page; 0 starts the walk.
   * @default 0
   */
  cursor?: number;
  /** Read on until about this many conversations are collected (or the walk ends). @default 500 */
  limit?: number;
}

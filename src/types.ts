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

/** Options of `getMessages`. */
export interface GetMessagesOptions {
  /** The newest `limit` messages (oldest first); omitted: all. */
  limit?: number;
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

/**
 * The history beyond appending: windows (paging back by id, token budgets, a first role),
 * editing and deleting one message by id, and compaction. Each checks its arguments before any
 * I/O, then runs as store operations (store.ts: `history`, `updateMessage`, `deleteMessage`,
 * `compactMessages`), each one atomic step.
 *
 * How an id finds its message: the conversation's id index (a hash on Redis) says whether the
 * id is in the history, folded into a summary, or unknown; a message of the history is then
 * found by scanning from the newest end, so the cost is its distance from there.
 *
 * How compaction stays exact: it reads the messages older than the newest `keepLast`,
 * summarizes them outside the store, then replaces exactly those elements — checked equal (a
 * SHA-1 over them on Redis) in the same atomic step — with the summary. Messages appended
 * meanwhile come after them and are kept; if any compacted message changed, the step writes
 * nothing, and compaction summarizes again (3 attempts in all) or throws `ConflictError`.
 */
import { decodeJson, encodeJson } from "./codec.js";
import {
  ConflictError,
  MessageNotFoundError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "./errors.js";
import { MESSAGES_FIELD } from "./keys.js";
import { checkMessageId, encodeMessage, type Message, newMessageId } from "./messages.js";
import type { ConversationRef, MemoryStore, PreparedMessage } from "./store/store.js";
import { defaultTokens } from "./store/store.js";
import type {
  CompactionResult,
  CompactionSummary,
  CompactOptions,
  GetMessagesOptions,
  MessageChanges,
} from "./types.js";
import { checkInteger, checkOptions, describe } from "./validate.js";
import { checkEncodedSize, type ValueContext } from "./values.js";

const WINDOW_OPTIONS = ["limit", "before", "maxTokens", "countTokens", "startOn"] as const;
const CHANGE_OPTIONS = ["content", "metadata"] as const;
const COMPACT_OPTIONS = ["keepLast", "summarize"] as const;
const SUMMARY_KEYS = ["content", "role", "metadata"] as const;

/** Messages a custom `countTokens` window reads first; each further read doubles it. */
export const FIRST_CHUNK = 64;
/** How many times `compactMessages` summarizes before it gives up with `ConflictError`. */
export const COMPACT_ATTEMPTS = 3;

type AnyMessage = Message<string>;

/** A checked `getMessages` window. */
export interface Window {
  readonly limit: number | undefined;
  readonly before: string | undefined;
  readonly maxTokens: number | undefined;
  readonly countTokens: ((message: AnyMessage) => number) | undefined;
  readonly startOn: ((message: AnyMessage) => boolean) | undefined;
}

function checkCount(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = checkInteger(value, what);
  if (n < 0) throw new ValidationError(`${what} must not be negative, got ${n}`);
  return n;
}

/**
 * The default token count of a message: ceil(UTF-8 bytes of its stored JSON / 4) — about 4 bytes
 * a token for English text, and conservative by the few tokens of its id, role, timestamp and
 * metadata. What `getMessages({ maxTokens })` counts with unless given `countTokens` (there, on
 * the stored text itself, in one round trip).
 *
 * @example
 * ```ts
 * const [last] = await memory.getMessages({ limit: 1 });
 * estimateTokens(last); // e.g. 31
 * ```
 */
export function estimateTokens(message: Message<string>): number {
  const { id, role, content, timestamp, metadata } = message;
  return defaultTokens(encodeMessage({ id, role, content, metadataJson: encodeJson(metadata) }, timestamp));
}

/** Checks the options of `getMessages` (before any I/O). */
export function checkWindow(options: GetMessagesOptions): Window {
  checkOptions(options, "getMessages options", WINDOW_OPTIONS, "{ limit: 10 }");
  const limit = checkCount(options.limit, "limit");
  const before = options.before === undefined ? undefined : checkMessageId(options.before, "before");
  const maxTokens = checkCount(options.maxTokens, "maxTokens");
  const { countTokens, startOn } = options;
  if (countTokens !== undefined) {
    if (typeof countTokens !== "function")
      throw new ValidationError(`countTokens must be a function, got ${describe(countTokens)}`);
    if (maxTokens === undefined)
      throw new ValidationError("countTokens needs maxTokens (the budget it counts for)");
  }
  let first: Window["startOn"];
  if (typeof startOn === "string" && startOn.length > 0) first = (m) => m.role === startOn;
  else if (typeof startOn === "function") first = (m) => startOn(m) === true;
  else if (startOn !== undefined)
    throw new ValidationError(`startOn must be a role or a predicate, got ${describe(startOn)}`);
  return { limit, before, maxTokens, countTokens, startOn: first };
}

function decodeMessage(raw: string): AnyMessage {
  return decodeJson(raw) as AnyMessage;
}

function notFound(ref: ConversationRef, id: string): MessageNotFoundError {
  return new MessageNotFoundError(
    `no message with id ${JSON.stringify(id)} in the history of conversation ${JSON.stringify(ref.id)}`,
    id,
  );
}

/** The window `w` of the history of `ref`, oldest first. */
export async function readWindow(store: MemoryStore, ref: ConversationRef, w: Window): Promise<AnyMessage[]> {
  let messages: AnyMessage[];
  if (w.before === undefined && w.maxTokens === undefined) {
    if (w.limit === 0) return [];
    const raws = await store.range(
      ref,
      MESSAGES_FIELD,
      w.limit === undefined ? undefined : -w.limit,
      undefined,
    );
    messages = raws.map(decodeMessage);
  } else if (w.countTokens === undefined) {
    const raws = await store.history(ref, { before: w.before, limit: w.limit, maxTokens: w.maxTokens });
    if (raws === undefined) throw notFound(ref, w.before as string);
    messages = raws.map(decodeMessage);
  } else {
    messages = await countedWindow(store, ref, w, w.countTokens, w.maxTokens as number);
  }
  if (w.startOn === undefined) return messages;
  const first = messages.findIndex(w.startOn);
  return first === -1 ? [] : messages.slice(first);
}

/**
 * A token window under a custom counter: reads the newest FIRST_CHUNK messages (before
 * `w.before`, within `w.limit`), then twice as many each time, until the budget runs out inside
 * a read, the history's start is reached, or `limit` is; the window is the newest messages of
 * that last read that fit, so it is contiguous as of one consistent read.
 */
async function countedWindow(
  store: MemoryStore,
  ref: ConversationRef,
  w: Window,
  count: (message: AnyMessage) => number,
  budget: number,
): Promise<AnyMessage[]> {
  const cap = w.limit ?? Number.POSITIVE_INFINITY;
  let size = Math.min(cap, FIRST_CHUNK);
  for (;;) {
    if (size === 0) return [];
    const raws = await store.history(ref, { before: w.before, limit: size, maxTokens: undefined });
    if (raws === undefined) throw notFound(ref, w.before as string);
    const messages = raws.map(decodeMessage);
    let total = 0;
    let from = messages.length;
    while (from > 0) {
      const n = count(messages[from - 1] as AnyMessage);
      if (typeof n !== "number" || !Number.isFinite(n) || n < 0)
        throw new ValidationError(`countTokens must return a finite number >= 0, got ${describe(n)}`);
      total += n;
      if (total > budget) break;
      from--;
    }
    if (from > 0 || raws.length < size || size >= cap) return messages.slice(from);
    size = Math.min(size * 2, cap);
  }
}

/** Checks `updateMessage`'s arguments; returns the id and the encoded changes. */
export function checkChanges(
  values: ValueContext,
  id: unknown,
  changes: MessageChanges,
): { id: string; contentJson: string | undefined; metadataJson: string | undefined } {
  const checked = checkMessageId(id, "message id");
  checkOptions(changes, "updateMessage changes", CHANGE_OPTIONS, '{ content: "…" }');
  const { content, metadata } = changes;
  if (content === undefined && metadata === undefined)
    throw new ValidationError("updateMessage needs content or metadata to change");
  if (content !== undefined && typeof content !== "string")
    throw new ValidationError(`content must be a string, got ${describe(content)}`);
  if (
    metadata !== undefined &&
    (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
  )
    throw new ValidationError(`metadata must be a plain object, got ${describe(metadata)}`);
  const contentJson = content === undefined ? undefined : JSON.stringify(content);
  const metadataJson = metadata === undefined ? undefined : encodeJson(metadata);
  for (const part of [contentJson, metadataJson]) {
    if (part !== undefined) checkEncodedSize(values, MESSAGES_FIELD, part, "message");
  }
  return { id: checked, contentJson, metadataJson };
}

/** `updateMessage`: the updated message. */
export async function updateMessage(
  store: MemoryStore,
  ref: ConversationRef,
  values: ValueContext,
  change: ReturnType<typeof checkChanges>,
): Promise<AnyMessage> {
  const result = await store.updateMessage(
    ref,
    change.id,
    change.contentJson,
    change.metadataJson,
    values.maxValueBytes,
  );
  switch (result.kind) {
    case "updated":
      return decodeMessage(result.raw);
    case "missing":
      throw notFound(ref, change.id);
    case "too-large":
      throw new ValueTooLargeError(
        `the updated message ${JSON.stringify(change.id)} of conversation ${JSON.stringify(ref.id)} ` +
          `would encode to ${result.bytes} bytes; maxValueBytes is ${values.maxValueBytes}`,
      );
    default:
      throw new WrongTypeError(
        `the element with id ${JSON.stringify(change.id)} in the history of conversation ${JSON.stringify(ref.id)} is not a message (it was written with a list method): it cannot be updated`,
        "a message",
        "a list element that is not a message",
      );
  }
}

/** Checks `compactMessages`' options. */
export function checkCompact(options: CompactOptions<string>): CompactOptions<string> {
  checkOptions(options, "compactMessages options", COMPACT_OPTIONS, "{ keepLast: 20, summarize }");
  const keepLast = checkCount(options.keepLast, "keepLast");
  if (keepLast === undefined)
    throw new ValidationError("compactMessages needs keepLast (messages to keep as they are)");
  if (typeof options.summarize !== "function")
    throw new ValidationError(`summarize must be a function, got ${describe(options.summarize)}`);
  return { keepLast, summarize: options.summarize };
}

/** The summary message to write for `older` from what `summarize` returned. */
function summaryMessage(
  values: ValueContext,
  older: readonly AnyMessage[],
  result: unknown,
): PreparedMessage {
  if (typeof result !== "object" || result === null || Array.isArray(result))
    throw new ValidationError(`summarize must return { content, role?, metadata? }, got ${describe(result)}`);
  checkOptions(result, "summarize result", SUMMARY_KEYS, '{ content: "…" }');
  const { content, role = "system", metadata = {} } = result as CompactionSummary;
  if (typeof content !== "string")
    throw new ValidationError(`summarize must return a string content, got ${describe(content)}`);
  if (typeof role !== "string" || role.length === 0)
    throw new ValidationError(`summarize must return a non-empty string role, got ${describe(role)}`);
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    throw new ValidationError(`summarize must return plain-object metadata, got ${describe(metadata)}`);
  const idOf = (m: AnyMessage | undefined) => (typeof m?.id === "string" ? m.id : null);
  const summary = { count: older.length, fromId: idOf(older[0]), toId: idOf(older[older.length - 1]) };
  const prepared: PreparedMessage = {
    id: newMessageId(),
    role,
    content,
    metadataJson: encodeJson({ ...metadata, summary }),
  };
  checkEncodedSize(values, MESSAGES_FIELD, encodeMessage(prepared, Date.now()), "summary message");
  return prepared;
}

/**
 * `compactMessages`. `later` runs the steps after the first in call order (the first already
 * is): the commit waits for a `modify`/`remove` issued meanwhile, like any call.
 */
export async function compact(
  store: MemoryStore,
  ref: ConversationRef,
  values: ValueContext,
  options: CompactOptions<string>,
  later: <T>(step: () => Promise<T>) => Promise<T>,
): Promise<CompactionResult<string>> {
  const { keepLast, summarize } = options;
  const end = keepLast === 0 ? undefined : -keepLast;
  for (let attempt = 1; attempt <= COMPACT_ATTEMPTS; attempt++) {
    const read = () => store.range(ref, MESSAGES_FIELD, 0, end);
    const older = attempt === 1 ? await read() : await later(read);
    if (older.length === 0) {
      const kept = await later(() => store.length(ref, MESSAGES_FIELD));
      return { compacted: 0, kept, summary: undefined };
    }
    const messages = older.map(decodeMessage);
    const prepared = summaryMessage(values, messages, await summarize(older.map(decodeMessage)));
    const result = await later(() => store.compactMessages(ref, older, prepared));
    if (result.ok) {
      const summary: AnyMessage = {
        id: prepared.id,
        role: prepared.role,
        content: prepared.content,
        timestamp: result.timestamp,
        metadata: decodeJson(prepared.metadataJson) as Record<string, unknown>,
      };
      return { compacted: older.length, kept: result.length - 1, summary };
    }
  }
  throw new ConflictError(
    `compactMessages on conversation ${JSON.stringify(ref.id)}: the messages to compact changed during each of ${COMPACT_ATTEMPTS} attempts`,
  );
}

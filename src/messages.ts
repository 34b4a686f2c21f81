/**
 * Chat messages of the conversation history: checking and encoding a new message (its stored
 * JSON, built around the store's timestamp by {@link encodeMessage}), and turning store replies
 * and the stored history back into {@link Message}s.
 */
import { randomFillSync } from "node:crypto";
import { decodeJson, encodeJson } from "./codec.js";
import { ValidationError } from "./errors.js";
import { MESSAGES_FIELD } from "./keys.js";
import type { AddMessageResult, ConversationRef, MemoryStore, PreparedMessage } from "./store/store.js";
import type { ChatRole } from "./types.js";
import { checkInteger, checkLimit, checkOptions, describe } from "./validate.js";
import { checkEncodedSize, type ValueContext } from "./values.js";

/**
 * A chat message of the conversation history. `R` is the type of its role: by default the roles
 * LLM SDKs use; `getMemory<S, string>()` (or your own union) for others.
 */
export interface Message<R extends string = ChatRole> {
  id: string;
  role: R;
  content: string;
  /** Milliseconds since the epoch, from the store's clock (the Redis server's). */
  timestamp: number;
  metadata: Record<string, unknown>;
}

/** A new message ready for the store's `addMessage`, and its checked `maxMessages`. */
export interface NewMessage {
  readonly prepared: PreparedMessage;
  /** `options.maxMessages`, checked; undefined when not given. */
  readonly maxMessages: number | undefined;
}

const MESSAGE_OPTIONS = ["id", "maxMessages"] as const;

const ID_BYTES = 16;
const pool = Buffer.alloc(ID_BYTES * 256);
let poolAt = pool.length;

/**
 * A fresh message id: 128 random bits as 22 base64url characters (a UUID holds 122 random bits
 * in 36), drawn from a pooled buffer. Short ids keep every stored message and its entry in the
 * conversation's id index smaller.
 */
export function newMessageId(): string {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const id = pool.toString("base64url", poolAt, poolAt + ID_BYTES);
  poolAt += ID_BYTES;
  return id;
}

/**
 * Checks a new message (role, content, metadata, `options.id`, `options.maxMessages`, in
 * that order; a missing id is generated), encodes its metadata, and checks the message's
 * encoded size against `maxValueBytes` with the current time in place of the store's.
 */
export function prepareMessage(
  values: ValueContext,
  role: string,
  content: string,
  metadata: Record<string, unknown>,
  options: { id?: string; maxMessages?: number },
): NewMessage {
  if (typeof role !== "string") throw new ValidationError(`role must be a string, got ${describe(role)}`);
  if (typeof content !== "string")
    throw new ValidationError(`content must be a string, got ${describe(content)}`);
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new ValidationError(`metadata must be a plain object, got ${describe(metadata)}`);
  }
  checkOptions(options, "addMessage options", MESSAGE_OPTIONS, '{ id: "msg-1" }');
  const id = options.id === undefined ? newMessageId() : checkMessageId(options.id);
  const maxMessages = checkLimit(options.maxMessages, "maxMessages");
  const prepared: PreparedMessage = { id, role, content, metadataJson: encodeJson(metadata) };
  if (maxMessageUnits(prepared) * 3 > values.maxValueBytes) {
    checkEncodedSize(values, MESSAGES_FIELD, encodeMessage(prepared, Date.now()), "message");
  }
  return { prepared, maxMessages };
}

/** Code units of a stored message around its strings, metadata and timestamp (keys, quotes, braces). */
const MESSAGE_FRAME = `{"id":"","role":"","content":"","timestamp":,"metadata":}`.length;

/**
 * An upper bound on the code units of `message`'s stored JSON: JSON escapes a code unit in at
 * most 6, and a timestamp has fewer than 20 digits. At most 3 UTF-8 bytes a unit, so a message
 * under `maxValueBytes / 3` of it needs no exact check, nor its JSON built twice.
 */
function maxMessageUnits(message: PreparedMessage): number {
  const strings = message.id.length + message.role.length + message.content.length;
  return MESSAGE_FRAME + 6 * strings + message.metadataJson.length + 20;
}

/**
 * The stored JSON of a message as two halves around its timestamp (ms): `head + timestamp +
 * tail`. Its id comes first, so a store can find it without decoding (`{"id":"…"` prefix).
 */
export function messageHalves(message: PreparedMessage): [head: string, tail: string] {
  const head = `{"id":${JSON.stringify(message.id)},"role":${JSON.stringify(message.role)},"content":${JSON.stringify(message.content)},"timestamp":`;
  return [head, `,"metadata":${message.metadataJson}}`];
}

/** The stored JSON of a message stamped `timestamp`. */
export function encodeMessage(message: PreparedMessage, timestamp: number): string {
  const [head, tail] = messageHalves(message);
  return `${head}${timestamp}${tail}`;
}

/** The index of the closing quote of the JSON string whose opening quote is `raw[i]`, or -1. */
function stringEnd(raw: string, i: number): number {
  let k = i + 1;
  while (k < raw.length) {
    const c = raw.charCodeAt(k);
    if (c === 0x5c) k += 2;
    else if (c === 0x22) return k;
    else k++;
  }
  return -1;
}

const TIMESTAMP = /,"timestamp":\d+,"metadata":/y;

/**
 * A stored message with its content (an encoded JSON string) and/or its metadata (an encoded
 * JSON object) replaced, everything else kept byte for byte; undefined when `raw` is not laid out
 * as {@link messageHalves} stores a message. The Redis scripts cut messages the same way
 * (`message_parts` in write.lua): only string boundaries are scanned, nothing is decoded.
 */
export function spliceMessage(
  raw: string,
  contentJson: string | undefined,
  metadataJson: string | undefined,
): string | undefined {
  if (!raw.startsWith('{"id":"')) return undefined;
  let e = stringEnd(raw, 6);
  if (e < 0 || !raw.startsWith(',"role":"', e + 1)) return undefined;
  e = stringEnd(raw, e + 9);
  if (e < 0 || !raw.startsWith(',"content":"', e + 1)) return undefined;
  const c0 = e + 12;
  e = stringEnd(raw, c0);
  if (e < 0 || !raw.endsWith("}")) return undefined;
  TIMESTAMP.lastIndex = e + 1;
  const m = TIMESTAMP.exec(raw);
  if (!m) return undefined;
  const t1 = e + 1 + m[0].length;
  const content = contentJson ?? raw.slice(c0, e + 1);
  const metadata = metadataJson ?? raw.slice(t1, -1);
  return `${raw.slice(0, c0)}${content}${raw.slice(e + 1, t1)}${metadata}}`;
}

/** The message the store added (with its timestamp), or the one already stored under its id. */
export function storedMessage(result: AddMessageResult, message: NewMessage): Message<string> {
  if (!result.added) return decodeMessage(result.raw);
  const { id, role, content, metadataJson } = message.prepared;
  const copy = decodeJson(metadataJson) as Record<string, unknown>;
  return { id, role, content, timestamp: result.timestamp, metadata: copy };
}

/** The last `limit` messages (all when undefined), oldest first; a negative limit is an error. */
export async function readMessages(
  store: MemoryStore,
  ref: ConversationRef,
  limit: number | undefined,
): Promise<Array<Message<string>>> {
  let start: number | undefined;
  if (limit !== undefined) {
    const checked = checkInteger(limit, "limit");
    if (checked < 0) throw new ValidationError(`limit must not be negative, got ${checked}`);
    if (checked === 0) return [];
    start = -checked;
  }
  const items = await store.range(ref, MESSAGES_FIELD, start, undefined);
  return items.map(decodeMessage);
}

function decodeMessage(raw: string): Message<string> {
  return decodeJson(raw) as Message<string>;
}

/** Checks a message id (`what` names it in the error: "message id", "before"). */
export function checkMessageId(id: unknown, what = "message id"): string {
  if (typeof id !== "string" || id.length === 0 || !id.isWellFormed() || Buffer.byteLength(id) > 512) {
    throw new ValidationError(
      `${what} must be a non-empty well-formed string of at most 512 bytes, got ${describe(id)}`,
    );
  }
  return id;
}

/**
 * The one place that builds Redis key names.
 *
 * Layout (all keys of a conversation share the `{<escaped id>}` Cluster hash tag, so
 * multi-key scripts stay in one slot):
 *
 * - `<prefix>:conv:{<eid>}:<field>` — a field's data: a JSON string, or a Redis list of
 *   JSON elements (an empty list is stored as the string `[]`).
 * - `<prefix>:meta:{<eid>}` — bookkeeping hash: conversation TTL, deadlines, last activity,
 *   and per field its expiry mode (`f:<field>`) and encoded size (`s:<field>`).
 * - `<prefix>:mids:{<eid>}` — set of the message ids held in the `messages` list.
 *
 * The escaped id percent-encodes `%`, `{` and `}`: the first `}` after the first `{` always
 * ends the id, so (id, field) pairs map to keys one-to-one and no field can collide with a
 * bookkeeping key (those use another segment than `conv`).
 */
import { ValidationError } from "./errors.js";

/** Default key namespace. */
export const DEFAULT_KEY_PREFIX = "memory";

/** Name of the list field that holds the conversation history. */
export const MESSAGES_FIELD = "messages";

/** Percent-encodes `%`, `{` and `}` so the id can sit inside a hash tag. */
export function escapeId(id: string): string {
  return id.replace(/[%{}]/g, (c) => (c === "%" ? "%25" : c === "{" ? "%7B" : "%7D"));
}

/** Inverse of {@link escapeId}. */
export function unescapeId(escaped: string): string {
  return escaped.replace(/%(25|7B|7D)/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Checks a key prefix: non-empty, no braces (they would break the hash tag). */
export function checkKeyPrefix(prefix: unknown): string {
  if (typeof prefix !== "string" || prefix.length === 0) {
    throw new ValidationError("keyPrefix must be a non-empty string");
  }
  if (/[{}]/.test(prefix)) throw new ValidationError("keyPrefix must not contain '{' or '}'");
  return prefix;
}

/** Every key of one conversation. */
export interface ConversationKeys {
  /** `<prefix>:meta:{<eid>}` */
  readonly meta: string;
  /** `<prefix>:mids:{<eid>}` */
  readonly messageIds: string;
  /** `<prefix>:conv:{<eid>}:` — a field's key is this plus the field name. */
  readonly fieldBase: string;
}

/** Builds the keys of conversation `id` under `prefix`. */
export function conversationKeys(prefix: string, id: string): ConversationKeys {
  const tag = `{${escapeId(id)}}`;
  return {
    meta: `${prefix}:meta:${tag}`,
    messageIds: `${prefix}:mids:${tag}`,
    fieldBase: `${prefix}:conv:${tag}:`,
  };
}

/** Key of one field. */
export function fieldKey(keys: ConversationKeys, field: string): string {
  return keys.fieldBase + field;
}

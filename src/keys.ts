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
 * - `<prefix>:mids:{<eid>}` — the message-id index: a hash from the JSON-encoded id of each
 *   message of the `messages` list to `m`, or `c` once compaction folded it into a summary;
 *   its `''` entry holds the latest summary.
 * - `<prefix>:ops:{<eid>}` — operation ids of idempotent batches (hash: id -> digest), created by
 *   the first `batch` with an `operationId`; the scripts derive its name from the meta key, and
 *   it expires, is cleared and is cleaned up with the conversation.
 * - `<prefix>:live:{<eid>}` — the liveness key: a string that exists exactly while the
 *   conversation lives (its expiry is the conversation's deadline), naming the fields that may be
 *   lists or maps; with it a `get` is one plain `MGET` (see `store/redis/lua/write.lua`).
 * - `<prefix>:reg:{<tag>}` — registry bucket: a sorted set of escaped ids scored by last write.
 *   There is one bucket per Cluster slot, its `<tag>` chosen to hash to that slot, and each
 *   conversation is listed in the bucket of its own slot: registry updates stay inside the
 *   conversation's atomic script, and the registry is spread over every slot (no hot key).
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
  /** The key prefix (namespace) the keys are built under. */
  readonly prefix: string;
  /** `<prefix>:meta:{<eid>}` */
  readonly meta: string;
  /** `<prefix>:mids:{<eid>}` */
  readonly messageIds: string;
  /** `<prefix>:live:{<eid>}` */
  readonly live: string;
  /** `<prefix>:conv:{<eid>}:` — a field's key is this plus the field name. */
  readonly fieldBase: string;
  /** The registry bucket of this conversation's slot. */
  readonly registry: string;
}

/**
 * A `ConversationRef` (store.ts; structurally: this is a leaf module) with room for its key names, which the Redis store derives on the
 * ref's first call and keeps there (a `ConversationMemory` makes one ref per `getMemory`).
 * On the ref rather than in a `WeakMap` keyed by it: a WeakMap entry per `getMemory` makes every
 * young-generation GC slower while those refs live, and a turn makes one.
 */
export class KeyedRef {
  /** The key names, once a store has derived them (only from `prefix` and `id`). */
  keys: ConversationKeys | undefined = undefined;

  constructor(
    readonly prefix: string,
    readonly id: string,
    readonly defaultTtl: number | null,
  ) {}
}

/** Builds the keys of conversation `id` under `prefix`. */
export function conversationKeys(prefix: string, id: string): ConversationKeys {
  const eid = escapeId(id);
  const tag = `{${eid}}`;
  return {
    prefix,
    meta: `${prefix}:meta:${tag}`,
    messageIds: `${prefix}:mids:${tag}`,
    live: `${prefix}:live:${tag}`,
    fieldBase: `${prefix}:conv:${tag}:`,
    registry: registryKey(prefix, slotOf(eid)),
  };
}

/** Key of one field. */
export function fieldKey(keys: ConversationKeys, field: string): string {
  return keys.fieldBase + field;
}

/** Number of Redis Cluster hash slots (and of registry buckets). */
export const SLOTS = 16384;

const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** One byte into a CRC16-XMODEM. */
function crcByte(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ (CRC_TABLE[((crc >> 8) ^ byte) & 0xff] as number);
}

/**
 * CRC16-XMODEM of the UTF-8 bytes of `text` (a lone surrogate counts as U+FFFD, as
 * `TextEncoder` encodes it), as Redis Cluster uses for key slots. Encodes as it goes rather
 * than through `TextEncoder`, whose buffer per call every conversation's first call paid.
 */
export function crc16(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      crc = crcByte(crc, c);
      continue;
    }
    if (c < 0x800) {
      crc = crcByte(crcByte(crc, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = c <= 0xdbff ? text.charCodeAt(i + 1) : Number.NaN;
      if (low >= 0xdc00 && low <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        crc = crcByte(crcByte(crc, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f));
        crc = crcByte(crcByte(crc, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
        i++;
        continue;
      }
      c = 0xfffd; // a lone surrogate
    }
    crc = crcByte(crcByte(crcByte(crc, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
  }
  return crc;
}

/** The Cluster slot of a hash-tag content (e.g. an escaped id). */
export function slotOf(tag: string): number {
  return crc16(tag) & (SLOTS - 1);
}

/** The Cluster slot of a whole key: its hash tag's (`{…}`, non-empty) if it has one. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return slotOf(key.slice(open + 1, close));
  }
  return slotOf(key);
}

let slotTags: string[] | undefined;

/** For every slot, a short string that hashes to it (computed once, ~160k CRCs). */
function tagsBySlot(): string[] {
  if (slotTags) return slotTags;
  const tags: string[] = new Array(SLOTS);
  let missing = SLOTS;
  for (let n = 0; missing > 0; n++) {
    const candidate = n.toString(36);
    const slot = slotOf(candidate);
    if (tags[slot] === undefined) {
      tags[slot] = candidate;
      missing--;
    }
  }
  slotTags = tags;
  return tags;
}

/** The registry bucket of `slot`: `<prefix>:reg:{<tag>}` with a tag that hashes to `slot`. */
export function registryKey(prefix: string, slot: number): string {
  return `${prefix}:reg:{${tagsBySlot()[slot]}}`;
}

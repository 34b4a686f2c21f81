/**
 * One conversation as the in-memory store holds it: its fields (each a scalar or a list of
 * JSON texts, with a TTL mode), its TTL and deadline, its last activity and the index of
 * message ids; with the rules the Redis scripts apply to the same data (liveness, the
 * empty-list marker, message-id indexing, encoded sizes).
 */
import { MESSAGES_FIELD } from "../../keys.js";
import type { ConversationInfo, ConversationRef, ReadValue, StoredValue } from "../store.js";
import { describeStored, wrongTypeError } from "../store.js";

/** The stored form of an empty list (a list field is never an empty array). */
export const EMPTY = "[]";
/** The stored form of an emptied map field (a map field is never an empty map). */
export const EMPTY_MAP = "{}";
/** Field mode: "c" follows the conversation TTL; a number is its own deadline (ms); null = never. */
export type Mode = "c" | number | null;

/** One field: its stored value (JSON text, or a list of JSON texts) and its TTL mode. */
export interface Field {
  value:
    | { kind: "scalar"; raw: string }
    | { kind: "list"; items: string[] }
    | { kind: "map"; entries: Map<string, string> };
  mode: Mode;
}

/** One conversation; `ttl` is its `setTtl` value (undefined: the policy's default applies). */
export interface Conversation {
  readonly prefix: string;
  readonly id: string;
  ttl: number | null | undefined;
  deadline: number | null | undefined;
  /**
   * After `clear`, until when (ms) the kept `setTtl` value applies to the next write: one TTL
   * after the clear (undefined: until a write, for a persistent setting).
   */
  keptUntil: number | undefined;
  lastActivity: number;
  fields: Map<string, Field>;
  /**
   * The message-id index (JSON-encoded ids): "m" for a message in the history, "c" for one
   * folded into a summary by compaction (remembered, so a redelivery adds nothing).
   */
  messageIds: Map<string, "m" | "c">;
  /** The latest summary message compaction wrote (what a redelivered compacted id returns). */
  summary: string | undefined;
  /** Batches' operation ids and their digests, while the conversation lives. */
  operations: Map<string, string>;
}

/** A new, empty conversation of `ref`. */
export function newConversation(ref: ConversationRef, now: number): Conversation {
  return {
    prefix: ref.prefix,
    id: ref.id,
    ttl: undefined,
    deadline: undefined,
    keptUntil: undefined,
    lastActivity: now,
    fields: new Map(),
    messageIds: new Map(),
    summary: undefined,
    operations: new Map(),
  };
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** The JSON text of a stored message's id (`"…"`, quotes included), or undefined. */
export function messageId(raw: string): string | undefined {
  if (!raw.startsWith('{"id":"')) return undefined;
  let i = 7;
  while (i < raw.length) {
    const c = raw[i];
    if (c === "\\") i += 2;
    else if (c === '"') return raw.slice(6, i + 1);
    else i++;
  }
  return undefined;
}

/**
 * The index and element of the message with JSON-encoded id `idJson` in `list`, searched from the
 * newest end (as the Redis scripts do); undefined when none has that id.
 */
export function findMessage(
  list: readonly string[],
  idJson: string,
): { index: number; raw: string } | undefined {
  const prefix = `{"id":${idJson}`;
  for (let i = list.length - 1; i >= 0; i--) {
    const raw = list[i] as string;
    if (raw.startsWith(prefix)) {
      const after = raw[prefix.length];
      if (after === "," || after === "}") return { index: i, raw };
    }
  }
  return undefined;
}

/**
 * Encoded bytes of a value (a list: the sum of its elements; a map: of its keys and values; the
 * empty-list and empty-map markers: 0).
 */
export function sizeOf(v: ReadValue | Field["value"]): number {
  let sum = 0;
  if (v.kind === "list") {
    for (const item of v.items) sum += bytes(item);
    return sum;
  }
  if (v.kind === "map") {
    for (const [k, raw] of v.entries as Iterable<readonly [string, string]>) sum += bytes(k) + bytes(raw);
    return sum;
  }
  return v.raw === EMPTY || v.raw === EMPTY_MAP ? 0 : bytes(v.raw);
}

/** A copy of a field's value that later writes to the field do not change. */
export function copy(field: Field): ReadValue {
  const v = field.value;
  if (v.kind === "scalar") return { kind: "scalar", raw: v.raw };
  if (v.kind === "list") return { kind: "list", items: [...v.items] };
  return { kind: "map", entries: [...v.entries] };
}

/** Whether two values (or absences) are the same. */
export function sameValue(a: ReadValue | undefined, b: ReadValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === "scalar") return b.kind === "scalar" && a.raw === b.raw;
  if (a.kind === "map" || b.kind === "map") return false;
  if (b.kind === "scalar") return false;
  return a.items.length === b.items.length && a.items.every((item, i) => item === b.items[i]);
}

/** Whether the conversation's own deadline (the one "c" fields follow) is still ahead. */
export function withinDeadline(conv: Conversation, now: number): boolean {
  return conv.deadline === null || (conv.deadline !== undefined && now < conv.deadline);
}

/** Whether a field of the conversation is live at `now`. */
export function alive(conv: Conversation, field: Field, now: number): boolean {
  if (field.mode === "c") return withinDeadline(conv, now);
  return field.mode === null || now < field.mode;
}

/**
 * Whether a cleared conversation still holds its `setTtl` value for the next write: until one
 * TTL after the clear, or (a persistent value) until a cleanup sweep forgets it.
 */
export function keepsSetting(conv: Conversation, now: number): boolean {
  if (conv.ttl === undefined || conv.deadline !== undefined) return false;
  return conv.keptUntil === undefined ? conv.ttl === null : now < conv.keptUntil;
}

/** Whether any field of the conversation is live at `now`. */
export function hasLiveField(conv: Conversation, now: number): boolean {
  for (const f of conv.fields.values()) {
    if (alive(conv, f, now)) return true;
  }
  return false;
}

/** Copies of the live fields' values, in field order. */
export function liveValues(conv: Conversation, now: number): Array<[string, ReadValue]> {
  const out: Array<[string, ReadValue]> = [];
  for (const [name, f] of conv.fields) if (alive(conv, f, now)) out.push([name, copy(f)]);
  return out;
}

/**
 * For a write: drops dead fields and renews the conversation deadline from its TTL. A
 * conversation that has expired entirely also loses its `setTtl` value: the write starts a new
 * conversation, with the policy's default TTL.
 */
export function renew(conv: Conversation, defaultTtl: number | null, now: number): void {
  for (const [name, f] of conv.fields) {
    if (!alive(conv, f, now)) dropField(conv, name);
  }
  if (conv.fields.size === 0 && conv.deadline !== undefined && !withinDeadline(conv, now)) {
    conv.ttl = undefined;
    conv.operations.clear();
  }
  if (conv.keptUntil !== undefined && now >= conv.keptUntil) conv.ttl = undefined;
  conv.keptUntil = undefined;
  const ttl = conv.ttl === undefined ? defaultTtl : conv.ttl;
  conv.deadline = ttl === null ? null : now + ttl * 1000;
  conv.lastActivity = now;
}

/** The latest deadline of the live fields, in ms from `now`; null if one never expires. */
export function remainingMs(conv: Conversation, now: number): number | null | undefined {
  let best: number | undefined;
  for (const f of conv.fields.values()) {
    if (!alive(conv, f, now)) continue;
    const deadline = f.mode === "c" ? conv.deadline : f.mode;
    if (deadline === null || deadline === undefined) return null;
    if (best === undefined || deadline > best) best = deadline;
  }
  return best === undefined ? undefined : best - now;
}

/** The registry's view of the conversation; undefined when it has no live field. */
export function summary(conv: Conversation, now: number): ConversationInfo | undefined {
  let totalFields = 0;
  let totalSizeBytes = 0;
  for (const f of conv.fields.values()) {
    if (!alive(conv, f, now)) continue;
    totalFields++;
    totalSizeBytes += sizeOf(f.value);
  }
  if (totalFields === 0) return undefined;
  return { conversationId: conv.id, totalFields, totalSizeBytes, lastActivity: conv.lastActivity };
}

/** Deletes a field (deleting the history also empties the message-id index). */
export function dropField(conv: Conversation, name: string): void {
  conv.fields.delete(name);
  if (name === MESSAGES_FIELD) clearIds(conv);
}

/** Empties the message-id index (the history was replaced or removed). */
export function clearIds(conv: Conversation): void {
  conv.messageIds.clear();
  conv.summary = undefined;
}

/** Adds (or removes) the ids of messages to (from) the index, when `field` is the history. */
export function indexIds(conv: Conversation, field: string, items: readonly string[], add: boolean): void {
  if (field !== MESSAGES_FIELD) return;
  for (const item of items) {
    const id = messageId(item);
    if (id !== undefined) {
      if (add) conv.messageIds.set(id, "m");
      else conv.messageIds.delete(id);
    }
  }
}

/** Keeps the newest `max` items of a list (all when undefined), unindexing the dropped ones. */
export function trimList(conv: Conversation, field: string, list: string[], max: number | undefined): void {
  if (max !== undefined && list.length > max) indexIds(conv, field, list.splice(0, list.length - max), false);
}

/** Replaces a field's value (an empty list becomes the empty-list marker). */
export function storeValue(conv: Conversation, field: string, value: StoredValue, mode: Mode): void {
  if (field === MESSAGES_FIELD) clearIds(conv);
  const stored: Field["value"] =
    value.kind === "scalar"
      ? { kind: "scalar", raw: value.raw }
      : value.items.length === 0
        ? { kind: "scalar", raw: EMPTY }
        : { kind: "list", items: [...value.items] };
  conv.fields.set(field, { value: stored, mode });
  if (stored.kind === "list") indexIds(conv, field, stored.items, true);
}

/** The list of a live field for a list write (created when missing), or a WrongTypeError. */
export function listFor(ref: ConversationRef, conv: Conversation, field: string): string[] {
  const f = conv.fields.get(field);
  if (!f || (f.value.kind === "scalar" && f.value.raw === EMPTY)) {
    const items: string[] = [];
    conv.fields.set(field, { value: { kind: "list", items }, mode: "c" });
    return items;
  }
  if (f.value.kind !== "list") throw wrongTypeError(ref, field, "a list", describeStored(copy(f)));
  f.mode = "c";
  return f.value.items;
}

/** The map of a live field for a map write (created when missing or emptied), or a WrongTypeError. */
export function mapFor(ref: ConversationRef, conv: Conversation, field: string): Map<string, string> {
  const f = conv.fields.get(field);
  if (!f || (f.value.kind === "scalar" && f.value.raw === EMPTY_MAP)) {
    const entries = new Map<string, string>();
    conv.fields.set(field, { value: { kind: "map", entries }, mode: "c" });
    return entries;
  }
  if (f.value.kind !== "map") throw wrongTypeError(ref, field, "a map", describeStored(copy(f)));
  f.mode = "c";
  return f.value.entries;
}

/** The entries of a live field for a map read: none for an emptied map, or a WrongTypeError. */
export function readMap(
  ref: ConversationRef,
  field: string,
  f: Field | undefined,
): ReadonlyMap<string, string> {
  if (!f) return new Map();
  if (f.value.kind === "map") return f.value.entries;
  if (f.value.kind === "scalar" && f.value.raw === EMPTY_MAP) return new Map();
  throw wrongTypeError(ref, field, "a map", describeStored(copy(f)));
}

/** After a list write: an emptied list is kept as the empty-list marker. */
export function settle(conv: Conversation, field: string): void {
  const f = conv.fields.get(field);
  if (f && f.value.kind === "list" && f.value.items.length === 0) f.value = { kind: "scalar", raw: EMPTY };
  if (f && f.value.kind === "map" && f.value.entries.size === 0) f.value = { kind: "scalar", raw: EMPTY_MAP };
}

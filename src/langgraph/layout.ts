/**
 * Where `ConvmemSaver` keeps a thread on its conversation: five fields with the `langgraph:`
 * prefix (a fixed number, however many checkpoints, namespaces and blobs the thread holds, so
 * the conversation's TTL renewals cost the same at 10 and 10,000 checkpoints), their map keys,
 * and the stored form of serialized values. Nothing else builds these names.
 */
import { createHash } from "node:crypto";

/** The saver's fields on a thread's conversation. */
export const FIELDS = {
  /** Map `[ns, checkpoint_id]` → {@link StoredCheckpoint}. */
  checkpoints: "langgraph:checkpoints",
  /** Map `[ns, channel, version]` → {@link Serialized} (or `{ t: "empty" }`). */
  blobs: "langgraph:blobs",
  /** Map `[ns, checkpoint_id]` → {@link StoredWrites}; `["#rev", ns, checkpoint_id]` → its revision. */
  writes: "langgraph:writes",
  /** List of `[ns, checkpoint_id]` in put order (oldest first): `list()` reads it from the end. */
  log: "langgraph:log",
  /** Map `[ns]` → {@link Latest}: the newest checkpoint of each namespace. */
  latest: "langgraph:latest",
} as const;

/** Every field of the saver, for `deleteThread` and the CLI. */
export const ALL_FIELDS: readonly string[] = Object.values(FIELDS);

const MAX_KEY_BYTES = 512;

/**
 * The map key of a tuple of strings: its JSON text (unambiguous, readable with `redis-cli`); a
 * key longer than convmem's 512-byte limit becomes `sha256:<hex>` of that text.
 */
export function mapKey(parts: readonly string[]): string {
  const text = JSON.stringify(parts);
  if (Buffer.byteLength(text, "utf8") <= MAX_KEY_BYTES) return text;
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** A serde output as stored: valid UTF-8 as text (`s`), anything else as bytes (`b`). */
export type Serialized = { t: string; s: string } | { t: string; b: Uint8Array };

/** The record of one checkpoint (its channel values live in the blobs map). */
export interface StoredCheckpoint {
  /** The checkpoint without `channel_values`, serialized. */
  checkpoint: Serialized;
  metadata: Serialized;
  parent: string | null;
  /** `channel_versions`, to find the blobs. */
  versions: Record<string, string | number>;
}

/** One pending write: `[taskId, idx, channel, value, taskPath]`. */
export type StoredWrite = [string, number, string, Serialized, string];

/** The pending writes of one checkpoint, with the revision `putWrites` guards on. */
export interface StoredWrites {
  rev: number;
  writes: StoredWrite[];
}

/** The newest checkpoint of a namespace and its channel versions (so its blobs are one read away). */
export interface Latest {
  id: string;
  versions: Record<string, string | number>;
}

/** The blob key of a channel at a version (`1` and `"1"` stay distinct). */
export function blobKey(ns: string, channel: string, version: string | number): string {
  return mapKey([ns, channel, JSON.stringify(version)]);
}

/** The revision key of a checkpoint's writes (three parts: never a checkpoint key). */
export function revKey(ns: string, id: string): string {
  return mapKey(["#rev", ns, id]);
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Stores `[type, data]` from `serde.dumpsTyped`: exact bytes back from {@link fromStored}. */
export function toStored([t, data]: [string, Uint8Array | string]): Serialized {
  if (typeof data === "string") return { t, s: data };
  try {
    const s = strict.decode(data);
    // Decoding then encoding must give the same bytes (a BOM or odd input would not).
    if (encoder.encode(s).length === data.length) return { t, s };
  } catch {
    // not UTF-8: stored as bytes
  }
  return { t, b: data };
}

/** `[type, data]` for `serde.loadsTyped`. */
export function fromStored(value: Serialized): [string, Uint8Array] {
  return "b" in value ? [value.t, value.b] : [value.t, encoder.encode(value.s)];
}

/** A stored value read back, checked to be one the saver wrote. */
export function isSerialized(value: unknown): value is Serialized {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.t === "string" && (typeof v.s === "string" || v.b instanceof Uint8Array);
}

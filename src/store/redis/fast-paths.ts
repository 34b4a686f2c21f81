/**
 * The fast paths of {@link RedisStore}. A script costs Redis 5–20 µs per call, a plain command
 * well under 1 µs (BENCHMARKS.md). For a short window after one of the store's write scripts
 * succeeded on a conversation (`windowFor` in `recent-writes.ts`: an eighth of the
 * conversation's TTL as this process knows it — the default, or what it gave with `setTtl` —
 * at most 900 ms, counted from when the script was sent; 5 s for reads, which renew nothing),
 * the hottest operations on it run as one plain command: `get` → `GET`, `has` → `TYPE`,
 * `getList`/`getMessages` → `LRANGE`, `listLength` → `LLEN`, and on fields that the script left
 * following the conversation TTL, `set` → `SET … XX KEEPTTL`, `incr` → `INCRBY`,
 * `append`/`extend` → `RPUSHX`, and `addMessage` with a generated id (which no stored message
 * can hold) → `RPUSHX`, timestamped with this process's estimate of the server clock
 * (`server-clock.ts`); the next `addmsg` script indexes the ids of messages pushed so, before
 * it checks an id. Each method decides at once whether its fast path applies (`undefined`:
 * run the script), so a call that takes none sends its script in call order; when one applies,
 * the promise answers, or resolves to {@link FALLBACK} when only the script can decide.
 *
 * Why a plain command sees and keeps what the script would:
 * - The conversation cannot die in the window: a deadline is at least 10 s away, or the keys'
 *   physical expiry equals the deadline (TTLs under 10 s, lib.lua `EXACT_BELOW`), so after it
 *   the keys are gone; physical expiry is never before the deadline, so `KEEPTTL`, `INCRBY`
 *   and `RPUSHX` leave every key expiring with its conversation.
 * - A plain command never creates a field outside the bookkeeping: `SET … XX` and `RPUSHX`
 *   do nothing on a missing key (a field another process removed); an `INCRBY` that may have
 *   created one (its result equals the increment) is followed by the incr script, which adopts
 *   the key or finds the field live. Another type (`WRONGTYPE`, not an integer) changes nothing.
 *   Each of these falls back to the script, so every operation stays atomic.
 * - What is skipped is the script's bookkeeping: renewing the deadline (at most one window
 *   late, under the contract's one-second precision), the registry, sizes (scalars are
 *   measured, list sizes caught up: sizelib.lua).
 * Not covered: a field another process pinned to its own TTL within this process's window keeps
 * that TTL through a fast `set`/`incr`/`append` here (docs/API.md). With `durability`, writes
 * always run scripts.
 */
import type { ErrorReply } from "redis";
import { fieldKey, MESSAGES_FIELD } from "../../keys.js";
import type { ConversationRef, FieldTtl, PreparedMessage, StoredValue, WritePolicy } from "../store.js";
import type { RedisConnection } from "./connection.js";
import { RecentWrites } from "./recent-writes.js";
import { ServerClock } from "./server-clock.js";

/** A fast path's answer when only the script can decide. */
export const FALLBACK: unique symbol = Symbol("fallback");
export type Fallback = typeof FALLBACK;
/** `incr`'s answer when `INCRBY` applied the increment but may have recreated a removed key. */
export const ADOPT: unique symbol = Symbol("adopt");

/** How an empty list is stored. */
const EMPTY = "[]";
/** Error replies of a plain command that mean "another type or value": the script decides. */
const UNDECIDED = /^(WRONGTYPE|ERR value is not an integer|ERR increment or decrement would overflow)/;

/** `Array.prototype.slice(start, end)` as `LRANGE` bounds, when they do not depend on the length. */
function lrangeBounds(start: number | undefined, end: number | undefined): [number, number] | undefined {
  const a = start ?? 0;
  if (end === undefined) return [a, -1];
  if ((a >= 0 && end > a) || (a < 0 && end < 0 && end > a)) return [a, end - 1];
  return undefined;
}

/** An `RPUSHX` reply: the new length, or FALLBACK when nothing was pushed (missing key, or not a list). */
function pushed(n: unknown): number | Fallback {
  return n !== FALLBACK && Number(n) > 0 ? Number(n) : FALLBACK;
}

/** The plain commands, and what this store learned from its own write scripts to use them. */
export class FastPaths {
  private readonly recent = new RecentWrites();
  private readonly clock = new ServerClock();

  /** With `writes` false (durability on), only reads take fast paths. */
  constructor(
    private readonly conn: RedisConnection,
    private readonly writes: boolean,
  ) {}

  // ---- what the scripts tell ------------------------------------------------------------

  /** The clock a write script's send time is taken on, for {@link wrote}. */
  static now(): number {
    return RecentWrites.now();
  }

  /** A write script of `field` sent at `sentAt` succeeded (`follows`: the field follows the conversation TTL). */
  wrote(ref: ConversationRef, field: string, follows: boolean, sentAt: number, policy: WritePolicy): void {
    this.recent.wrote(ref.keys.meta, field, follows, sentAt, policy.defaultTtl);
  }

  /** An `addmsg` script sent at `sentWall` (Date.now()) added a message at server time `timestamp`. */
  sampleClock(timestamp: number, sentWall: number): void {
    this.clock.sample(timestamp, sentWall);
  }

  /** The conversation changed under the fast paths (clear); with `setting`, its TTL setting went too. */
  forget(ref: ConversationRef, setting = false): void {
    this.recent.forget(ref.keys.meta, setting);
  }

  /** This store gave the conversation a TTL. */
  setTtl(ref: ConversationRef, ttl: number | null): void {
    this.recent.setTtl(ref.keys.meta, ttl);
  }

  /** A cleanup sweep may have removed any conversation. */
  forgetAll(): void {
    this.recent.forgetAll();
  }

  // ---- reads ------------------------------------------------------------------------------

  get(ref: ConversationRef, field: string): Promise<StoredValue | undefined | Fallback> | undefined {
    const key = this.readable(ref, field);
    if (key === undefined) return undefined;
    return this.plain(["GET", key], key).then((raw): StoredValue | undefined | Fallback => {
      if (raw === FALLBACK || raw === null) return raw === null ? undefined : FALLBACK;
      return raw === EMPTY ? { kind: "list", items: [] } : { kind: "scalar", raw: String(raw) };
    });
  }

  has(ref: ConversationRef, field: string): Promise<boolean | Fallback> | undefined {
    const key = this.readable(ref, field);
    if (key === undefined) return undefined;
    return this.plain(["TYPE", key], key).then((type) => (type === FALLBACK ? FALLBACK : type !== "none"));
  }

  range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[] | Fallback> | undefined {
    const bounds = lrangeBounds(start, end);
    const key = bounds && this.readable(ref, field);
    if (!bounds || key === undefined) return undefined;
    return this.plain(["LRANGE", key, String(bounds[0]), String(bounds[1])], key).then((items) =>
      items === FALLBACK ? FALLBACK : (items as unknown[]).map(String),
    );
  }

  length(ref: ConversationRef, field: string): Promise<number | Fallback> | undefined {
    const key = this.readable(ref, field);
    if (key === undefined) return undefined;
    return this.plain(["LLEN", key], key).then((n) => (n === FALLBACK ? FALLBACK : Number(n)));
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Resolves true when written; FALLBACK when the key is gone (nothing written). */
  set(
    ref: ConversationRef,
    field: string,
    value: StoredValue,
    ttl: FieldTtl,
  ): Promise<true | Fallback> | undefined {
    if (ttl !== undefined || value.kind !== "scalar") return undefined;
    const key = this.writable(ref, field);
    if (key === undefined) return undefined;
    // null: nothing written (the key is gone). Over a list (or the empty-list marker) the
    // scalar simply replaces it, as `set` does: sizes are measured by type (sizelib.lua).
    return this.plain(["SET", key, value.raw, "XX", "KEEPTTL"], key).then((ok) =>
      ok === null || ok === FALLBACK ? FALLBACK : true,
    );
  }

  /**
   * Resolves to the new value; {@link ADOPT} when `INCRBY` returned exactly `by` (the field held
   * 0, or it had been removed — by another process, or its own TTL ran out — and INCRBY created
   * the key again: the incr script adopts it); FALLBACK when nothing was added.
   */
  incr(
    ref: ConversationRef,
    field: string,
    by: number,
  ): Promise<number | typeof ADOPT | Fallback> | undefined {
    const key = this.writable(ref, field);
    return key === undefined ? undefined : this.incrby(key, by);
  }

  private async incrby(key: string, by: number): Promise<number | typeof ADOPT | Fallback> {
    const reply = await this.plain(["INCRBY", key, String(by)], key);
    if (reply === FALLBACK) return FALLBACK;
    const n = Number(reply);
    if (n === by) return ADOPT;
    if (Number.isSafeInteger(n)) return n;
    // Beyond the safe range: undone, and the script reports the error.
    await this.plain(["DECRBY", key, String(by)], key);
    return FALLBACK;
  }

  /** Resolves to the new length; FALLBACK when nothing was pushed (missing key, or not a list). */
  push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
  ): Promise<number | Fallback> | undefined {
    if (maxLength !== undefined || items.length === 0) return undefined;
    const key = this.writable(ref, field);
    if (key === undefined) return undefined;
    return this.plain(["RPUSHX", key, ...items], key).then(pushed);
  }

  /**
   * A message with a generated id (no stored message can hold it: no check needed; the next
   * addmsg script indexes its id), timestamped with this process's estimate of the server
   * clock. Resolves to its timestamp, or FALLBACK when nothing was pushed.
   */
  addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
  ): Promise<number | Fallback> | undefined {
    if (!message.freshId || maxMessages !== undefined || !this.writes) return undefined;
    if (!this.recent.follows(ref.keys.meta, MESSAGES_FIELD)) return undefined;
    const timestamp = this.clock.now();
    if (timestamp === undefined) return undefined;
    const key = fieldKey(ref.keys, MESSAGES_FIELD);
    return this.plain(["RPUSHX", key, `${message.head}${timestamp}${message.tail}`], key).then((n) =>
      pushed(n) === FALLBACK ? FALLBACK : timestamp,
    );
  }

  // ---- plumbing ---------------------------------------------------------------------------

  /** The field's key when reads may take a fast path. */
  private readable(ref: ConversationRef, field: string): string | undefined {
    return this.recent.alive(ref.keys.meta) ? fieldKey(ref.keys, field) : undefined;
  }

  /** The field's key when writes of it may take a fast path (`messages` never: its id index). */
  private writable(ref: ConversationRef, field: string): string | undefined {
    if (!this.writes || field === MESSAGES_FIELD || !this.recent.follows(ref.keys.meta, field))
      return undefined;
    return fieldKey(ref.keys, field);
  }

  /** One plain command; {@link FALLBACK} when its error means the script must decide. */
  private plain(args: readonly string[], key: string): Promise<unknown> {
    return this.conn.send(args, key, this.undecided);
  }

  private readonly undecided = (err: ErrorReply): unknown => {
    if (UNDECIDED.test(err.message)) return FALLBACK;
    throw this.conn.storeError(err);
  };
}

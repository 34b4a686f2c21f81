/**
 * What this process learned from its own recent writes, so the hottest operations can run as
 * one plain Redis command instead of a Lua script (see `fast-paths.ts`).
 *
 * A write script that succeeded renewed the conversation and left the field it wrote
 * following the conversation TTL (unless written with its own `ttl`). For a window after the
 * script was *sent* (so before it ran) — {@link windowFor}, at most {@link WINDOW_MS} — this
 * process treats those facts as current. Bounded: at most {@link MAX_CONVERSATIONS}
 * conversations and {@link MAX_FIELDS} fields each, oldest forgotten first.
 */

/** The longest window (ms) a write script's outcome is trusted, counted from when it was sent. */
export const WINDOW_MS = 900;

/**
 * The window for conversations whose TTL is `ttl` seconds (null: never expire): an eighth of
 * the TTL, at most {@link WINDOW_MS}. Plain commands do not renew the conversation, so a write
 * in the window may leave its deadline up to this much earlier than a script would: under a
 * second, and small against the TTL.
 */
export function windowFor(ttl: number | null): number {
  return ttl === null ? WINDOW_MS : Math.min(WINDOW_MS, ttl * 125);
}
/**
 * How long (ms) reads trust that a write script found the conversation worth reading with plain
 * commands. Reads renew nothing, so only liveness bounds this: a deadline is at least 10 s after
 * the script, or keys expire physically with their conversation (lib.lua `EXACT_BELOW`), which
 * leaves 5 s for a command to reach Redis.
 */
export const READ_WINDOW_MS = 5000;

/** Conversations remembered at most. */
export const MAX_CONVERSATIONS = 10_000;
/** Fields remembered per conversation at most. */
export const MAX_FIELDS = 64;

interface Entry {
  /** `performance.now()` after which writes no longer take fast paths. */
  until: number;
  /** `performance.now()` after which reads no longer take fast paths. */
  readUntil: number;
  /** Fields known to follow the conversation TTL. */
  readonly follow: Set<string>;
}

/** The smaller of two TTLs in seconds (null = never expires). */
function shorter(a: number | null, b: number | null | undefined): number | null {
  if (b === undefined || b === null) return a;
  return a === null ? b : Math.min(a, b);
}

/** Bounded memory of recent write scripts, keyed by the conversation's meta key. */
export class RecentWrites {
  private readonly entries = new Map<string, Entry>();
  /** TTLs this process gave conversations with `setTtl` (bounded like `entries`). */
  private readonly ttls = new Map<string, number | null>();

  /** The clock the window is measured on. */
  static now(): number {
    return performance.now();
  }

  /**
   * Records a write script that succeeded, sent at `sentAt`: the conversation is alive and,
   * when `follows` is true, `field` follows its TTL; when false, `field` is pinned to its own
   * TTL (or was deleted) and no longer qualifies. The write window is {@link windowFor} the
   * shorter of `defaultTtl` and the TTL this process last gave the conversation with `setTtl`
   * (the conversation has one or the other).
   */
  wrote(
    conversation: string,
    field: string | undefined,
    follows: boolean,
    sentAt: number,
    defaultTtl: number | null,
  ): void {
    const until = sentAt + windowFor(shorter(defaultTtl, this.ttls.get(conversation)));
    let entry = this.entries.get(conversation);
    if (entry) {
      this.entries.delete(conversation); // re-inserted below: most recent last
      if (entry.until <= RecentWrites.now()) entry.follow.clear();
      // An older sentAt can finish after a newer one: keep the later bound.
      entry.until = Math.max(entry.until, until);
      entry.readUntil = Math.max(entry.readUntil, sentAt + READ_WINDOW_MS);
    } else {
      entry = { until, readUntil: sentAt + READ_WINDOW_MS, follow: new Set() };
      if (this.entries.size >= MAX_CONVERSATIONS) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    this.entries.set(conversation, entry);
    if (field === undefined) return;
    if (!follows) entry.follow.delete(field);
    else if (entry.follow.size < MAX_FIELDS) entry.follow.add(field);
  }

  /** True while reads may take fast paths (a write script of ours ran within {@link READ_WINDOW_MS}). */
  alive(conversation: string): boolean {
    const entry = this.entries.get(conversation);
    return entry !== undefined && entry.readUntil > RecentWrites.now();
  }

  /** True while the conversation is known alive and `field` known to follow its TTL. */
  follows(conversation: string, field: string): boolean {
    const entry = this.entries.get(conversation);
    return entry !== undefined && entry.until > RecentWrites.now() && entry.follow.has(field);
  }

  /** Forgets one conversation's window (after `clear`, …); with `setting`, its `setTtl` value too. */
  forget(conversation: string, setting = false): void {
    this.entries.delete(conversation);
    if (setting) this.ttls.delete(conversation);
  }

  /** Forgets the conversation's window and remembers the TTL this process just gave it. */
  setTtl(conversation: string, ttl: number | null): void {
    this.entries.delete(conversation);
    this.ttls.delete(conversation);
    if (this.ttls.size >= MAX_CONVERSATIONS) {
      const oldest = this.ttls.keys().next().value;
      if (oldest !== undefined) this.ttls.delete(oldest);
    }
    this.ttls.set(conversation, ttl);
  }

  /** Forgets everything (after a cleanup sweep). */
  forgetAll(): void {
    this.entries.clear();
    this.ttls.clear();
  }

  /** Conversations remembered (for tests). */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * The in-memory store's registry: paging through the live conversations of a key prefix,
 * the cleanup sweep, and the bounded background sweep that drops expired conversations so
 * memory stays bounded.
 */
import type { ConversationInfo, RegistryPage, SweepStep } from "../store.js";
import { type Conversation, hasLiveField, keepsSetting, summary, withinDeadline } from "./conversation.js";

/** Every conversation of the store, by its meta key. */
export type Conversations = Map<string, Conversation>;

/** Live conversations under `keyPrefix`; the cursor counts conversations of that prefix. */
export function listConversations(
  conversations: Conversations,
  keyPrefix: string,
  cursor: number,
  limit: number,
  now: number,
): RegistryPage {
  const page: ConversationInfo[] = [];
  let index = 0;
  for (const conv of conversations.values()) {
    if (conv.prefix !== keyPrefix) continue;
    if (index++ < cursor) continue;
    const info = summary(conv, now);
    if (info) page.push(info);
    if (index - cursor >= limit) return { conversations: page, cursor: index };
  }
  return { conversations: page, cursor: undefined };
}

/**
 * Drops the conversations under `keyPrefix` that have expired or were last written before
 * `cutoff`, in one step; `removed` counts only those that still had live fields.
 */
export function sweepExpired(
  conversations: Conversations,
  keyPrefix: string,
  cutoff: number,
  now: number,
  dryRun: boolean,
): SweepStep {
  let scanned = 0;
  let removed = 0;
  for (const [key, conv] of conversations) {
    if (conv.prefix !== keyPrefix) continue;
    scanned++;
    const info = summary(conv, now);
    if (!info || conv.lastActivity < cutoff) {
      if (!dryRun) conversations.delete(key);
      if (info) removed++;
    }
  }
  return { scanned, removed, cursor: undefined };
}

/** The background sweep: every 1024 operations, drops up to 256 fully expired conversations. */
export class ExpirySweep {
  private cursor: Iterator<[string, Conversation]> | undefined;
  private ops = 0;
  private stopped = false;

  constructor(
    private readonly conversations: Conversations,
    private readonly now: () => number,
  ) {}

  /** Counts one operation; every 1024th resumes the walk for at most 256 conversations. */
  tick(): void {
    if (this.stopped) return;
    if (++this.ops % 1024 !== 0) return;
    const now = this.now();
    for (let n = 0; n < 256; n++) {
      this.cursor ??= this.conversations.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        return;
      }
      const [key, conv] = next.value;
      if (!hasLiveField(conv, now) && !withinDeadline(conv, now) && !keepsSetting(conv, now))
        this.conversations.delete(key);
    }
  }

  /** Ends the background sweep (the store was closed). */
  stop(): void {
    this.stopped = true;
  }
}

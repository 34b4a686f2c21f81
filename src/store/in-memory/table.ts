/**
 * The in-memory store's table of conversations: lookups that see only live fields, the
 * preparation of every write (drop dead fields, renew the deadline), the list-type checks
 * shared by list operations, and the clock. Every lookup and write counts towards the
 * bounded background sweep.
 */
import { ClosedError } from "../../errors.js";
import type { ConversationRef, ReadValue } from "../store.js";
import { describeStored, wrongTypeError } from "../store.js";
import {
  alive,
  type Conversation,
  copy,
  EMPTY,
  type Field,
  liveValues,
  newConversation,
  remainingMs,
  renew,
} from "./conversation.js";
import { type Conversations, ExpirySweep } from "./registry.js";

/**
 * The table's key of a conversation: its prefix and id, length-prefixed so that no two
 * (prefix, id) pairs share one.
 */
function keyOf(ref: ConversationRef): string {
  return `${ref.prefix.length}:${ref.prefix}:${ref.id}`;
}

/** Every conversation of one `InMemoryStore`, by prefix and id. */
export class ConversationTable {
  /** The conversations, live or not; reading this does not count towards the sweep. */
  readonly conversations: Conversations = new Map();
  private readonly sweep = new ExpirySweep(this.conversations, () => this.now());
  private closed = false;

  /** The store's clock, ms since the epoch. */
  now(): number {
    return Date.now();
  }

  /** The conversation, live or not (no sweep tick). */
  find(ref: ConversationRef): Conversation | undefined {
    return this.conversations.get(keyOf(ref));
  }

  /** Forgets the conversation entirely. */
  remove(ref: ConversationRef): void {
    this.conversations.delete(keyOf(ref));
  }

  /** The live field, or undefined. */
  live(ref: ConversationRef, field: string): { conv: Conversation; f: Field } | undefined {
    this.tick();
    const conv = this.conversations.get(keyOf(ref));
    const f = conv?.fields.get(field);
    if (!conv || !f || !alive(conv, f, this.now())) return undefined;
    return { conv, f };
  }

  /** Prepares a write: drops dead fields, renews the conversation deadline. */
  begin(ref: ConversationRef): Conversation {
    this.tick();
    const now = this.now();
    let conv = this.conversations.get(keyOf(ref));
    if (!conv) {
      conv = newConversation(ref, now);
      this.conversations.set(keyOf(ref), conv);
    }
    renew(conv, ref.defaultTtl, now);
    return conv;
  }

  /** The current list of a live field for reading, [] if missing, or a WrongTypeError. */
  readList(ref: ConversationRef, field: string): string[] {
    const hit = this.live(ref, field);
    if (!hit) return [];
    if (hit.f.value.kind === "list") return hit.f.value.items;
    if (hit.f.value.kind === "scalar" && hit.f.value.raw === EMPTY) return [];
    throw wrongTypeError(ref, field, "a list", describeStored(copy(hit.f)));
  }

  /** Checks, before any change, that a live field can take a list write. */
  checkListWritable(ref: ConversationRef, field: string): void {
    const hit = this.live(ref, field);
    if (hit && (hit.f.value.kind === "map" || (hit.f.value.kind === "scalar" && hit.f.value.raw !== EMPTY)))
      throw wrongTypeError(ref, field, "a list", describeStored(copy(hit.f)));
  }

  /** Copies of the conversation's live fields. */
  liveItems(ref: ConversationRef): Array<[string, ReadValue]> {
    this.tick();
    const conv = this.conversations.get(keyOf(ref));
    return conv ? liveValues(conv, this.now()) : [];
  }

  /** Ms until the conversation's last live field expires; null if never; undefined if none. */
  remainingMs(ref: ConversationRef): number | null | undefined {
    this.tick();
    const conv = this.conversations.get(keyOf(ref));
    if (!conv) return undefined;
    return remainingMs(conv, this.now());
  }

  /** Ends the background sweep; every later operation throws {@link ClosedError}. */
  close(): void {
    this.closed = true;
    this.sweep.stop();
  }

  /** Throws {@link ClosedError} once the store is closed. */
  check(): void {
    if (this.closed) throw new ClosedError("the in-memory store was closed");
  }

  /** Every 1024 operations, drops up to 256 fully expired conversations (bounded work). */
  private tick(): void {
    this.check();
    this.sweep.tick();
  }
}

/**
 * The chat store: a chat is the list field `ui_messages` (the UIMessages, in order) and the
 * string field `ui_messages:rev` (a random token every write of the store replaces). A write is
 * one `batch` guarded by the token it was diffed against, so it applies to exactly the list it
 * was computed from, and sends only the messages that are new or changed (`splice`/`extend`).
 * The store remembers the last chats it read or wrote (token, ids and messages), so a save right
 * after a load or a save sends one batch and reads nothing; a stale memory fails the guard and
 * the store reads the chat and diffs again.
 */
import type { UIMessage } from "ai";
import {
  type BatchGuard,
  type BatchWrite,
  ConflictError,
  GuardFailedError,
  getMemoryManager,
  type MemoryManager,
  ValidationError,
} from "../index.js";
import { adoptStored, checkMessages, type Entry, entriesOf, sameMessage, wellFormed } from "./messages.js";
import { type PersistStreamOptions, persistStream, type StreamPersistence } from "./stream.js";

/** What the store knows of a stored chat at one revision. */
interface Snapshot {
  readonly rev: string | undefined;
  readonly ids: readonly string[];
  /** The messages, deep-frozen (store-made: see messages.ts). */
  readonly values: readonly object[];
  /**
   * Whether the messages are objects with non-empty, distinct ids (what a save writes): then
   * a save that passes them back unchanged needs to check only the rest. Found out once per
   * revision, on the first save that needs it.
   */
  wellFormed?: boolean;
}

/** Up to this many ids are looked up in the stored ids by a scan; more build a map. */
const SCAN_IDS = 8;

/**
 * Where `id` is among `ids[0…end)` (its last position), for `lookups` lookups: a scan from the
 * end for a few (new messages, or a partial reply: the last one), else a map.
 */
function idPositions(
  ids: readonly string[],
  end: number,
  lookups: number,
): (id: string) => number | undefined {
  if (end === 0) return () => undefined;
  if (lookups <= SCAN_IDS)
    return (id) => {
      const i = ids.lastIndexOf(id, end - 1);
      return i < 0 ? undefined : i;
    };
  const index = new Map<string, number>();
  for (let i = 0; i < end; i++) index.set(ids[i] as string, i);
  return (id) => index.get(id);
}

/** How many chats a store remembers (least recently used dropped first). */
export const REMEMBERED_CHATS = 64;
/**
 * From this many messages on, `loadChat` of a chat the store remembers first asks whether its
 * token changed (one small read) and, if not, hands out the remembered messages instead of
 * reading and decoding the list again; below it, one read of the whole list is cheaper.
 */
export const REVALIDATE_FROM = 64;
/** Attempts of a write whose guard keeps failing under contention before `ConflictError`. */
export const MAX_ATTEMPTS = 100;

/** Options of {@link createChatStore}. */
export interface ChatStoreOptions {
  /** The manager whose conversations hold the chats. @default getMemoryManager() */
  manager?: MemoryManager;
  /**
   * The list field of a chat's messages; the revision token lives in `<field>:rev`.
   * @default "ui_messages"
   */
  field?: string;
}

/** Options of {@link ChatStore.loadChat}. */
export interface LoadChatOptions {
  /** Only the newest `limit` messages (in order); `limit <= 0`: `[]`. @default all */
  limit?: number;
}

/** A chat and its messages, as `saveChat` and `upsertMessages` take them. */
export interface ChatMessages<M extends UIMessage = UIMessage> {
  chatId: string;
  messages: readonly M[];
}

const OPTION_NAMES = ["manager", "field"];

function checkObject(value: unknown, what: string, names: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ValidationError(`${what} must be an object`);
  for (const key of Object.keys(value))
    if (!names.includes(key))
      throw new ValidationError(
        `${what}: unknown option ${JSON.stringify(key)} (known: ${names.join(", ")})`,
      );
  return value as Record<string, unknown>;
}

function checkChatId(chatId: unknown): string {
  if (typeof chatId !== "string" || chatId === "")
    throw new ValidationError("chatId must be a non-empty string");
  return chatId;
}

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

/** Chat persistence for the AI SDK on convmem (see {@link createChatStore}). */
export class ChatStore<M extends UIMessage = UIMessage> {
  readonly manager: MemoryManager;
  /** The list field of the messages. */
  readonly field: string;
  /** The field of the revision token. */
  readonly revField: string;
  readonly #known = new Map<string, Snapshot>();

  constructor(options: ChatStoreOptions = {}) {
    const opts = checkObject(options, "createChatStore options", OPTION_NAMES);
    const field = opts.field ?? "ui_messages";
    if (typeof field !== "string" || field === "")
      throw new ValidationError("field must be a non-empty string");
    this.manager = (opts.manager as MemoryManager | undefined) ?? getMemoryManager();
    this.field = field;
    this.revField = `${field}:rev`;
  }

  /**
   * The chat's messages in order (`[]` for a new chat); with `limit`, the newest `limit`.
   * The messages are deep-frozen: copy one (`structuredClone`) to edit it. A remembered chat
   * of {@link REVALIDATE_FROM} messages or more whose token is unchanged is handed out again
   * after reading the token alone.
   */
  async loadChat(chatId: string, options: LoadChatOptions = {}): Promise<M[]> {
    const id = checkChatId(chatId);
    const { limit } = checkObject(options, "loadChat options", ["limit"]);
    if (limit !== undefined && !Number.isInteger(limit))
      throw new ValidationError("limit must be an integer");
    const memory = this.manager.getMemory(id);
    if (typeof limit === "number") {
      if (limit <= 0) return [];
      const values = await memory.getList(this.field, { start: -limit });
      return values.map((v) => adoptStored<M>(v));
    }
    const known = this.#known.get(id);
    if (known?.rev !== undefined && known.values.length >= REVALIDATE_FROM) {
      // The same token: the same messages (every write of the store replaces it).
      if ((await memory.get(this.revField)) === known.rev) {
        this.#remember(id, known);
        return [...known.values] as M[];
      }
    }
    const snapshot = await this.#read(id);
    return snapshot.messages;
  }

  /**
   * Makes the chat exactly `messages` in one atomic step: new messages appended, changed ones
   * replaced in place, the stored ones missing from the list removed; unchanged messages are
   * not sent. Every message needs a non-empty, distinct `id` (`ValidationError`, nothing
   * written).
   */
  async saveChat(input: ChatMessages<M>): Promise<void> {
    const { chatId, messages } = checkObject(input, "saveChat argument", ["chatId", "messages"]);
    const id = checkChatId(chatId);
    const list = checkMessages(messages, "messages");
    await this.#write(id, (known) => this.#saveWrites(known, list));
  }

  /**
   * Merges `messages` into the chat by id in one atomic step: new ones appended in order,
   * changed ones replaced in place, nothing removed. Concurrent upserts lose nothing.
   */
  async upsertMessages(input: ChatMessages<M>): Promise<void> {
    const { chatId, messages } = checkObject(input, "upsertMessages argument", ["chatId", "messages"]);
    const id = checkChatId(chatId);
    const entries = entriesOf(checkMessages(messages, "messages"), "messages");
    if (entries.length === 0) return;
    await this.#write(id, (known) => this.#upsertWrites(known, entries));
  }

  /**
   * Saves the in-flight reply while it streams: the chat becomes `originalMessages` plus the
   * partial assistant message after `everyChunks` chunks or `everyMs` ms (whichever first, at
   * most one save in flight), and the hook passed as `onFinish`/`onEnd` saves the SDK's final
   * list after the last partial save, replacing the partial reply in place.
   *
   * @example
   * ```ts
   * const persist = chats.persistStream({ chatId, originalMessages: messages });
   * return result.toUIMessageStreamResponse({
   *   originalMessages: messages,
   *   generateMessageId: () => crypto.randomUUID(),
   *   consumeSseStream: persist.consumeSseStream,
   *   onFinish: persist.onFinish, // ai 7: onEnd: persist.onFinish
   * });
   * ```
   */
  persistStream(options: PersistStreamOptions<M>): StreamPersistence<M> {
    return persistStream(this, options);
  }

  /** Removes the chat (its messages and revision token), nothing else of the conversation. */
  async deleteChat(chatId: string): Promise<boolean> {
    const id = checkChatId(chatId);
    this.#known.delete(id);
    const { results } = await this.manager.getMemory(id).batch([
      { op: "delete", field: this.field },
      { op: "delete", field: this.revField },
    ]);
    return results?.[0] === true;
  }

  /** Reads the chat as of one moment and remembers it. */
  async #read(chatId: string): Promise<{ snapshot: Snapshot; messages: M[] }> {
    const [rev, list] = await this.manager.getMemory(chatId).getMany([this.revField, this.field]);
    const messages = (Array.isArray(list) ? list : []).map((v) => adoptStored<M>(v));
    const token = typeof rev === "string" ? rev : undefined;
    const previous = this.#known.get(chatId);
    const snapshot: Snapshot = {
      rev: token,
      ids: messages.map((m) => String((m as { id?: unknown } | null)?.id)),
      values: messages as readonly object[],
    };
    // The same token: the same messages as before (every write of the store replaces it).
    if (token !== undefined && previous?.rev === token && previous.wellFormed !== undefined)
      snapshot.wellFormed = previous.wellFormed;
    this.#remember(chatId, snapshot);
    return { snapshot, messages };
  }

  #remember(chatId: string, snapshot: Snapshot): void {
    this.#known.delete(chatId);
    this.#known.set(chatId, snapshot);
    if (this.#known.size > REMEMBERED_CHATS) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
  }

  /**
   * Plans against what is known (or read), writes in one guarded batch that also replaces the
   * token, and starts over from a fresh read when the guard fails.
   */
  async #write(
    chatId: string,
    plan: (known: Snapshot) => { writes: BatchWrite[]; after: Snapshot } | undefined,
  ): Promise<void> {
    const memory = this.manager.getMemory(chatId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const known =
        (attempt === 0 ? this.#known.get(chatId) : undefined) ?? (await this.#read(chatId)).snapshot;
      const planned = plan(known);
      if (planned === undefined) return;
      const guard: BatchGuard =
        known.rev === undefined
          ? { field: this.revField, absent: true }
          : { field: this.revField, equals: known.rev };
      try {
        await memory.batch(
          [...planned.writes, { op: "set", field: this.revField, value: planned.after.rev }],
          {
            guards: [guard],
          },
        );
        this.#remember(chatId, planned.after);
        return;
      } catch (err) {
        this.#known.delete(chatId);
        if (!(err instanceof GuardFailedError)) throw err;
        if (attempt > 0) await pause(attempt);
      }
    }
    throw new ConflictError(
      `chat ${JSON.stringify(chatId)}: gave up after ${MAX_ATTEMPTS} attempts under contention`,
    );
  }

  /**
   * The writes that make `known` into `messages`; a no-op save still checks the token. The
   * longest run of `messages` that are the very (frozen) objects of `known` at the same places
   * — what a route passes back after `loadChat` — is unchanged for certain and needs no look;
   * only the messages after it are checked, serialized and compared.
   */
  #saveWrites(
    known: Snapshot,
    messages: readonly unknown[],
  ): { writes: BatchWrite[]; after: Snapshot } | undefined {
    const field = this.field;
    const stored = known.values;
    const common = Math.min(stored.length, messages.length);
    let same = 0;
    while (same < common && messages[same] === stored[same]) same++;
    if (same > 0 && known.wellFormed === undefined) known.wellFormed = wellFormed(stored);
    if (known.wellFormed !== true) same = 0;
    const inPrefix = idPositions(known.ids, same, messages.length - same);
    const rest = entriesOf(messages, "messages", same, (id) => inPrefix(id) !== undefined);
    const writes: BatchWrite[] = [];
    const at = (i: number) => rest[i - same] as Entry;
    const unchanged = (i: number) => sameMessage(at(i).value, stored[i] as object);
    for (let i = same; i < common; ) {
      if (unchanged(i)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < common && !unchanged(j)) j++;
      writes.push({
        op: "splice",
        field,
        start: i,
        deleteCount: j - i,
        items: rest.slice(i - same, j - same).map((e) => e.value),
      });
      i = j;
    }
    if (messages.length > stored.length)
      writes.push({
        op: "extend",
        field,
        values: rest.slice(stored.length - same).map((e) => e.value),
      });
    else if (messages.length < stored.length)
      writes.push({
        op: "splice",
        field,
        start: messages.length,
        deleteCount: stored.length - messages.length,
      });
    if (writes.length === 0 && known.rev === undefined && stored.length === 0) return undefined; // a new, empty chat
    const rev = writes.length === 0 && known.rev !== undefined ? known.rev : globalThis.crypto.randomUUID();
    const ids = known.ids.slice(0, same);
    const values = stored.slice(0, same);
    for (const e of rest) {
      ids.push(e.id);
      values.push(e.value);
    }
    return { writes, after: { rev, ids, values, wellFormed: true } };
  }

  /** The writes that merge `entries` into `known` by id. */
  #upsertWrites(known: Snapshot, entries: readonly Entry[]): { writes: BatchWrite[]; after: Snapshot } {
    const field = this.field;
    const position = idPositions(known.ids, known.ids.length, entries.length);
    const ids = [...known.ids];
    const values = [...known.values];
    const writes: BatchWrite[] = [];
    const added: Entry[] = [];
    for (const entry of entries) {
      const i = position(entry.id);
      if (i === undefined) added.push(entry);
      else if (!sameMessage(values[i] as object, entry.value)) {
        writes.push({ op: "splice", field, start: i, deleteCount: 1, items: [entry.value] });
        values[i] = entry.value;
      }
    }
    if (added.length > 0) {
      writes.push({ op: "extend", field, values: added.map((e) => e.value) });
      for (const e of added) {
        ids.push(e.id);
        values.push(e.value);
      }
    }
    // Nothing to change still checks the token: what was known may be stale.
    const rev = writes.length === 0 && known.rev !== undefined ? known.rev : globalThis.crypto.randomUUID();
    return { writes, after: { rev, ids, values } };
  }
}

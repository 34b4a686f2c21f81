/**
 * `InMemoryStore`: the {@link MemoryStore} in this process's memory, with exactly the
 * semantics of the Redis store (same TTL model, same empty-list and message-id rules, same
 * errors), on `Date.now()`. For single-process use, tests, and the demo without Redis.
 * Expired conversations are dropped lazily and by a bounded sweep, so memory stays bounded.
 * The data structure of one conversation is in `in-memory/conversation.ts`, the table of
 * them in `in-memory/table.ts`, the registry walk and sweeps in `in-memory/registry.ts`.
 */
import { MESSAGES_FIELD } from "../keys.js";
import { encodeMessage, spliceMessage } from "../messages.js";
import { guardHolds, type Kind, kindAfter, kindOf } from "./in-memory/batch.js";
import {
  type Conversation,
  clearIds,
  copy,
  dropField,
  findMessage,
  hasLiveField,
  indexIds,
  listFor,
  type Mode,
  mapFor,
  messageId,
  readMap,
  sameValue,
  settle,
  sizeOf,
  storeValue,
  trimList,
} from "./in-memory/conversation.js";
import { listConversations, sweepExpired } from "./in-memory/registry.js";
import { ConversationTable } from "./in-memory/table.js";
import type {
  AddMessageResult,
  BatchResult,
  CasResult,
  CompactResult,
  ConversationRef,
  FieldTtl,
  HistoryWindow,
  ManyEntry,
  ManyResult,
  MapKeysPage,
  MemoryStore,
  PreparedMessage,
  ReadValue,
  RegistryPage,
  StoreBatch,
  StoredValue,
  StoreWrite,
  SweepStep,
  UpdateMessageResult,
  WriteResult,
} from "./store.js";
import { defaultTokens, describeStored, incrRangeError, listIndexError, wrongTypeError } from "./store.js";

/**
 * The in-process backend.
 *
 * @example
 * ```ts
 * const manager = createMemoryManager({ store: new InMemoryStore() });
 * ```
 */
export class InMemoryStore implements MemoryStore {
  private readonly table = new ConversationTable();

  async get(ref: ConversationRef, field: string): Promise<ReadValue | undefined> {
    const hit = this.table.live(ref, field);
    return hit ? copy(hit.f) : undefined;
  }

  async has(ref: ConversationRef, field: string): Promise<boolean> {
    return this.table.live(ref, field) !== undefined;
  }

  async set(ref: ConversationRef, field: string, value: StoredValue, ttl: FieldTtl): Promise<void> {
    const conv = this.table.begin(ref);
    const mode: Mode = ttl === undefined ? "c" : ttl === null ? null : this.table.now() + ttl * 1000;
    storeValue(conv, field, value, mode);
  }

  async update(ref: ConversationRef, entries: ReadonlyArray<readonly [string, StoredValue]>): Promise<void> {
    const conv = this.table.begin(ref);
    for (const [field, value] of entries) storeValue(conv, field, value, "c");
  }

  async delete(ref: ConversationRef, field: string): Promise<boolean> {
    if (!this.table.live(ref, field)) return false;
    const conv = this.table.begin(ref);
    dropField(conv, field);
    return true;
  }

  async keys(ref: ConversationRef): Promise<string[]> {
    return this.table.liveItems(ref).map(([name]) => name);
  }

  async items(ref: ConversationRef): Promise<Array<[string, ReadValue]>> {
    return this.table.liveItems(ref);
  }

  async incr(ref: ConversationRef, field: string, by: number): Promise<number> {
    const hit = this.table.live(ref, field);
    let current = 0;
    if (hit) {
      const v = hit.f.value;
      if (v.kind !== "scalar" || !/^-?\d+$/.test(v.raw) || v.raw.length > 17)
        throw wrongTypeError(ref, field, "an integer", describeStored(copy(hit.f)));
      current = Number(v.raw);
    }
    const next = current + by;
    if (!Number.isSafeInteger(next)) throw incrRangeError(ref, field);
    const conv = this.table.begin(ref);
    storeValue(conv, field, { kind: "scalar", raw: String(next) }, "c");
    return next;
  }

  async compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
  ): Promise<CasResult> {
    const hit = this.table.live(ref, field);
    const current = hit ? copy(hit.f) : undefined;
    if (!sameValue(current, expected)) return { ok: false, current };
    const conv = this.table.begin(ref);
    storeValue(conv, field, next, "c");
    return { ok: true };
  }

  async push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
  ): Promise<number> {
    this.table.checkListWritable(ref, field);
    const conv = this.table.begin(ref);
    const list = listFor(ref, conv, field);
    list.push(...items);
    indexIds(conv, field, items, true);
    trimList(conv, field, list, maxLength);
    const n = list.length;
    settle(conv, field);
    return n;
  }

  async pop(ref: ConversationRef, field: string, index: number): Promise<string> {
    const current = this.table.readList(ref, field);
    const i = index < 0 ? index + current.length : index;
    if (i < 0 || i >= current.length) throw listIndexError(ref, field);
    const conv = this.table.begin(ref);
    const list = listFor(ref, conv, field);
    const [value] = list.splice(i, 1) as [string];
    indexIds(conv, field, [value], false);
    settle(conv, field);
    return value;
  }

  async insert(ref: ConversationRef, field: string, index: number, item: string): Promise<number> {
    this.table.checkListWritable(ref, field);
    const conv = this.table.begin(ref);
    const list = listFor(ref, conv, field);
    const n = list.length;
    const i = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
    list.splice(i, 0, item);
    indexIds(conv, field, [item], true);
    return list.length;
  }

  async removeAt(
    ref: ConversationRef,
    field: string,
    index: number,
    expected: string,
    length: number,
  ): Promise<boolean> {
    const hit = this.table.live(ref, field);
    if (hit?.f.value.kind !== "list") return false;
    const items = hit.f.value.items;
    if (items.length !== length || items[index] !== expected) return false;
    const conv = this.table.begin(ref);
    const list = listFor(ref, conv, field);
    list.splice(index, 1);
    indexIds(conv, field, [expected], false);
    settle(conv, field);
    return true;
  }

  async range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    return this.table.readList(ref, field).slice(start, end);
  }

  async length(ref: ConversationRef, field: string): Promise<number> {
    return this.table.readList(ref, field).length;
  }

  async addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
  ): Promise<AddMessageResult> {
    const existing = this.table.readList(ref, MESSAGES_FIELD);
    const conv = this.idIndex(ref);
    const idJson = JSON.stringify(message.id);
    const mark = conv?.messageIds.get(idJson);
    if (conv && mark === "c" && conv.summary !== undefined) return { added: false, raw: conv.summary };
    if (conv && mark === "m") {
      const found = findMessage(existing, idJson);
      if (found) return { added: false, raw: found.raw };
      conv.messageIds.delete(idJson);
    }
    const fresh = this.table.begin(ref);
    const timestamp = this.table.now();
    const raw = encodeMessage(message, timestamp);
    const list = listFor(ref, fresh, MESSAGES_FIELD);
    list.push(raw);
    fresh.messageIds.set(idJson, "m");
    trimList(fresh, MESSAGES_FIELD, list, maxMessages);
    return { added: true, timestamp };
  }

  async history(ref: ConversationRef, window: HistoryWindow): Promise<string[] | undefined> {
    const list = this.table.readList(ref, MESSAGES_FIELD);
    let hi = list.length;
    if (window.before !== undefined) {
      const idJson = JSON.stringify(window.before);
      const mark = this.idIndex(ref)?.messageIds.get(idJson);
      if (mark === undefined) return undefined;
      if (mark === "c") return [];
      const found = findMessage(list, idJson);
      if (!found) return undefined;
      hi = found.index;
    }
    const lo = window.limit === undefined ? 0 : Math.max(hi - window.limit, 0);
    if (window.maxTokens === undefined) return list.slice(lo, hi);
    let total = 0;
    let from = hi;
    while (from > lo) {
      total += defaultTokens(list[from - 1] as string);
      if (total > window.maxTokens) break;
      from--;
    }
    return list.slice(from, hi);
  }

  async updateMessage(
    ref: ConversationRef,
    id: string,
    contentJson: string | undefined,
    metadataJson: string | undefined,
    maxValueBytes: number,
  ): Promise<UpdateMessageResult> {
    const idJson = JSON.stringify(id);
    const list = this.table.readList(ref, MESSAGES_FIELD);
    if (this.idIndex(ref)?.messageIds.get(idJson) !== "m") return { kind: "missing" };
    const found = findMessage(list, idJson);
    if (!found) return { kind: "missing" };
    const updated = spliceMessage(found.raw, contentJson, metadataJson);
    if (updated === undefined) return { kind: "not-a-message" };
    const bytes = Buffer.byteLength(updated, "utf8");
    if (bytes > maxValueBytes) return { kind: "too-large", bytes };
    const conv = this.table.begin(ref);
    const items = listFor(ref, conv, MESSAGES_FIELD);
    items[found.index] = updated;
    if (conv.summary !== undefined && messageId(conv.summary) === idJson) conv.summary = updated;
    return { kind: "updated", raw: updated };
  }

  async deleteMessage(ref: ConversationRef, id: string): Promise<boolean> {
    const idJson = JSON.stringify(id);
    const list = this.table.readList(ref, MESSAGES_FIELD);
    if (this.idIndex(ref)?.messageIds.get(idJson) !== "m") return false;
    const found = findMessage(list, idJson);
    if (!found) return false;
    const conv = this.table.begin(ref);
    listFor(ref, conv, MESSAGES_FIELD).splice(found.index, 1);
    conv.messageIds.delete(idJson);
    settle(conv, MESSAGES_FIELD);
    return true;
  }

  async compactMessages(
    ref: ConversationRef,
    expected: readonly string[],
    summary: PreparedMessage,
  ): Promise<CompactResult> {
    const list = this.table.readList(ref, MESSAGES_FIELD);
    if (list.length < expected.length || expected.some((raw, i) => list[i] !== raw)) return { ok: false };
    const summaryId = JSON.stringify(summary.id);
    if (this.idIndex(ref)?.messageIds.has(summaryId)) return { ok: false };
    const conv = this.table.begin(ref);
    const items = listFor(ref, conv, MESSAGES_FIELD);
    const timestamp = this.table.now();
    const raw = encodeMessage(summary, timestamp);
    for (const item of items.splice(0, expected.length, raw)) {
      const idJson = messageId(item);
      if (idJson !== undefined) conv.messageIds.set(idJson, "c");
    }
    conv.messageIds.set(summaryId, "m");
    conv.summary = raw;
    return { ok: true, timestamp, length: items.length };
  }

  async mapGet(
    ref: ConversationRef,
    field: string,
    keys: readonly string[],
  ): Promise<Array<string | undefined>> {
    const entries = readMap(ref, field, this.table.live(ref, field)?.f);
    return keys.map((key) => entries.get(key));
  }

  async mapSet(ref: ConversationRef, field: string, key: string, raw: string): Promise<boolean> {
    readMap(ref, field, this.table.live(ref, field)?.f);
    const entries = mapFor(ref, this.table.begin(ref), field);
    const fresh = !entries.has(key);
    entries.set(key, raw);
    return fresh;
  }

  async mapDelete(ref: ConversationRef, field: string, key: string): Promise<boolean> {
    const hit = this.table.live(ref, field);
    if (!readMap(ref, field, hit?.f).has(key)) return false;
    const conv = this.table.begin(ref);
    mapFor(ref, conv, field).delete(key);
    settle(conv, field);
    return true;
  }

  /** The cursor is a position in the map's key order (a key added meanwhile may be missed). */
  async mapKeys(ref: ConversationRef, field: string, cursor: string, limit: number): Promise<MapKeysPage> {
    const keys = [...readMap(ref, field, this.table.live(ref, field)?.f).keys()];
    const from = Number(cursor);
    const to = from + limit;
    return { keys: keys.slice(from, to), cursor: to < keys.length ? String(to) : undefined };
  }

  async mapSize(ref: ConversationRef, field: string): Promise<number> {
    return readMap(ref, field, this.table.live(ref, field)?.f).size;
  }

  async getMany(ref: ConversationRef, entries: readonly ManyEntry[]): Promise<ManyResult> {
    const values: Array<ReadValue | string | undefined> = [];
    for (const [i, { field, key }] of entries.entries()) {
      const hit = this.table.live(ref, field);
      if (key === undefined) {
        values.push(hit ? copy(hit.f) : undefined);
        continue;
      }
      try {
        values.push(readMap(ref, field, hit?.f).get(key));
      } catch {
        return { ok: false, wrongType: i };
      }
    }
    return { ok: true, values };
  }

  async batch(ref: ConversationRef, batch: StoreBatch): Promise<BatchResult> {
    const now = this.table.now();
    const found = this.table.find(ref);
    if (found && typeof found.deadline === "number" && now >= found.deadline && !hasLiveField(found, now))
      found.operations.clear();
    if (batch.operationId !== undefined) {
      const seen = found?.operations.get(batch.operationId);
      if (seen === batch.digest) return { kind: "replayed" };
      if (seen !== undefined) return { kind: "reused" };
    }
    const current = (field: string) => {
      const hit = this.table.live(ref, field);
      return hit ? copy(hit.f) : undefined;
    };
    for (const [index, guard] of batch.guards.entries()) {
      if (!guardHolds(guard, current(guard.field))) return { kind: "guard", index };
    }
    // Every write's field kind, as the writes before it leave it: all checked before any write.
    const kinds = new Map<string, Kind>();
    for (const [index, write] of batch.writes.entries()) {
      const field = write.kind === "message" ? MESSAGES_FIELD : write.field;
      const before = kinds.get(field) ?? kindOf(current(field));
      const after = kindAfter(write, before);
      if (after === undefined) return { kind: "wrongType", index };
      kinds.set(field, after);
    }
    // Each write runs to completion synchronously (its promise only carries the result), so the
    // batch and its operation id land in one step, before any other call can run.
    const results: Array<Promise<WriteResult>> = batch.writes.map((w) => this.applyWrite(ref, w));
    if (batch.operationId !== undefined)
      this.table.begin(ref).operations.set(batch.operationId, batch.digest);
    return { kind: "applied", results: await Promise.all(results) };
  }

  /** One write of a batch; its checks have passed, so it runs (synchronously) to completion. */
  private applyWrite(ref: ConversationRef, w: StoreWrite): Promise<WriteResult> {
    switch (w.kind) {
      case "set":
        return this.set(ref, w.field, w.value, w.ttl).then(() => undefined);
      case "setMap": {
        const conv = this.table.begin(ref);
        dropField(conv, w.field);
        const entries = mapFor(ref, conv, w.field);
        for (const [key, raw] of w.entries) entries.set(key, raw);
        settle(conv, w.field);
        return Promise.resolve(undefined);
      }
      case "delete":
        return this.delete(ref, w.field);
      case "push":
        return this.push(ref, w.field, w.items, w.maxLength);
      case "splice": {
        const conv = this.table.begin(ref);
        const list = listFor(ref, conv, w.field);
        const n = list.length;
        const start = w.start < 0 ? Math.max(n + w.start, 0) : Math.min(w.start, n);
        const count = Math.max(0, Math.min(w.deleteCount, n - start));
        const removed = list.splice(start, count, ...w.items);
        indexIds(conv, w.field, removed, false);
        indexIds(conv, w.field, w.items, true);
        const length = list.length;
        settle(conv, w.field);
        return Promise.resolve(length);
      }
      case "message":
        return this.addMessage(ref, w.message, w.maxMessages);
      case "mapSet":
        return this.mapSet(ref, w.field, w.key, w.raw);
      case "mapDelete":
        return this.mapDelete(ref, w.field, w.key);
    }
  }

  async setTtl(ref: ConversationRef, ttl: number | null): Promise<void> {
    const conv = this.table.begin(ref);
    conv.ttl = ttl;
    conv.deadline = ttl === null ? null : this.table.now() + ttl * 1000;
    for (const f of conv.fields.values()) f.mode = "c";
  }

  async getTtl(ref: ConversationRef): Promise<number | null | undefined> {
    return this.table.remainingMs(ref);
  }

  async sizes(ref: ConversationRef): Promise<Array<[string, number]>> {
    return this.table.liveItems(ref).map(([name, v]) => [name, sizeOf(v)]);
  }

  async clear(ref: ConversationRef): Promise<number> {
    const removed = this.table.liveItems(ref).length;
    const conv = this.table.find(ref);
    if (conv) {
      const now = this.table.now();
      // As on Redis (clear-3.lua): a conversation that had expired entirely has lost its
      // setting; otherwise the setting applies to a write within one TTL of the clear.
      const expired = removed === 0 && typeof conv.deadline === "number" && now >= conv.deadline;
      if (expired) conv.ttl = undefined;
      conv.fields.clear();
      clearIds(conv);
      conv.deadline = undefined;
      conv.keptUntil = typeof conv.ttl === "number" ? now + conv.ttl * 1000 : undefined;
      conv.lastActivity = now;
    }
    return removed;
  }

  async deleteConversation(ref: ConversationRef): Promise<number> {
    const removed = this.table.liveItems(ref).length;
    this.table.remove(ref);
    return removed;
  }

  async serverTime(): Promise<number> {
    this.table.check();
    return this.table.now();
  }

  /** Live conversations under `keyPrefix`; the cursor counts conversations of that prefix. */
  async listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage> {
    this.table.check();
    return listConversations(this.table.conversations, keyPrefix, cursor, limit, this.table.now());
  }

  async sweepExpired(
    keyPrefix: string,
    cutoff: number,
    _cursor: number,
    dryRun: boolean,
  ): Promise<SweepStep> {
    this.table.check();
    return sweepExpired(this.table.conversations, keyPrefix, cutoff, this.table.now(), dryRun);
  }

  async close(): Promise<void> {
    this.table.close();
  }

  /** The conversation whose message-id index applies: only while its history is live. */
  private idIndex(ref: ConversationRef): Conversation | undefined {
    return this.table.live(ref, MESSAGES_FIELD)?.conv;
  }
}

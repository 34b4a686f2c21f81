/**
 * `InMemoryStore`: the {@link MemoryStore} in this process's memory, with exactly the
 * semantics of the Redis store (same TTL model, same empty-list and message-id rules, same
 * errors), on `Date.now()`. For single-process use, tests, and the demo without Redis.
 * Expired conversations are dropped lazily and by a bounded sweep, so memory stays bounded.
 */
import { MESSAGES_FIELD } from "../keys.js";
import type {
  AddMessageResult,
  CasResult,
  ConversationInfo,
  ConversationRef,
  FieldTtl,
  MemoryStore,
  PreparedMessage,
  RegistryPage,
  StoredValue,
  SweepStep,
  WritePolicy,
} from "./store.js";
import { incrRangeError, listIndexError, wrongTypeError } from "./store.js";

const EMPTY = "[]";
/** Field mode: "c" follows the conversation TTL; a number is its own deadline (ms); null = never. */
type Mode = "c" | number | null;

interface Field {
  value: { kind: "scalar"; raw: string } | { kind: "list"; items: string[] };
  mode: Mode;
}

interface Conversation {
  readonly prefix: string;
  readonly id: string;
  ttl: number | null | undefined;
  deadline: number | null | undefined;
  lastActivity: number;
  fields: Map<string, Field>;
  messageIds: Set<string>;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function messageId(raw: string): string | undefined {
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

/** Encoded bytes of a value (a list: the sum of its elements; the empty-list marker: 0). */
function sizeOf(v: StoredValue): number {
  if (v.kind === "list") return v.items.reduce((sum, item) => sum + bytes(item), 0);
  return v.raw === EMPTY ? 0 : bytes(v.raw);
}

function copy(field: Field): StoredValue {
  return field.value.kind === "scalar"
    ? { kind: "scalar", raw: field.value.raw }
    : { kind: "list", items: [...field.value.items] };
}

/**
 * The in-process backend.
 *
 * @example
 * ```ts
 * const manager = createMemoryManager({ store: new InMemoryStore() });
 * ```
 */
export class InMemoryStore implements MemoryStore {
  private readonly conversations = new Map<string, Conversation>();
  private sweepCursor: Iterator<[string, Conversation]> | undefined;
  private ops = 0;
  private closed = false;

  private now(): number {
    return Date.now();
  }

  private alive(conv: Conversation, field: Field, now: number): boolean {
    if (field.mode === "c")
      return conv.deadline === null || (conv.deadline !== undefined && now < conv.deadline);
    return field.mode === null || now < field.mode;
  }

  /** The live field, or undefined. */
  private live(ref: ConversationRef, field: string): { conv: Conversation; f: Field } | undefined {
    this.tick();
    const conv = this.conversations.get(ref.keys.meta);
    const f = conv?.fields.get(field);
    if (!conv || !f || !this.alive(conv, f, this.now())) return undefined;
    return { conv, f };
  }

  /** Prepares a write: drops dead fields, renews the conversation deadline. */
  private begin(ref: ConversationRef, policy: WritePolicy): Conversation {
    this.tick();
    const now = this.now();
    let conv = this.conversations.get(ref.keys.meta);
    if (!conv) {
      conv = {
        prefix: ref.keys.prefix,
        id: ref.id,
        ttl: undefined,
        deadline: undefined,
        lastActivity: now,
        fields: new Map(),
        messageIds: new Set(),
      };
      this.conversations.set(ref.keys.meta, conv);
    }
    for (const [name, f] of conv.fields) {
      if (!this.alive(conv, f, now)) this.dropField(conv, name);
    }
    const ttl = conv.ttl === undefined ? policy.defaultTtl : conv.ttl;
    conv.deadline = ttl === null ? null : now + ttl * 1000;
    conv.lastActivity = now;
    return conv;
  }

  private dropField(conv: Conversation, name: string): void {
    conv.fields.delete(name);
    if (name === MESSAGES_FIELD) conv.messageIds.clear();
  }

  private indexIds(conv: Conversation, field: string, items: readonly string[], add: boolean): void {
    if (field !== MESSAGES_FIELD) return;
    for (const item of items) {
      const id = messageId(item);
      if (id !== undefined) {
        if (add) conv.messageIds.add(id);
        else conv.messageIds.delete(id);
      }
    }
  }

  private store(conv: Conversation, field: string, value: StoredValue, mode: Mode): void {
    if (field === MESSAGES_FIELD) conv.messageIds.clear();
    const stored: Field["value"] =
      value.kind === "scalar"
        ? { kind: "scalar", raw: value.raw }
        : value.items.length === 0
          ? { kind: "scalar", raw: EMPTY }
          : { kind: "list", items: [...value.items] };
    conv.fields.set(field, { value: stored, mode });
    if (stored.kind === "list") this.indexIds(conv, field, stored.items, true);
  }

  /** The list of a live field for a list write (created when missing), or a WrongTypeError. */
  private listFor(ref: ConversationRef, conv: Conversation, field: string): string[] {
    const f = conv.fields.get(field);
    if (!f || (f.value.kind === "scalar" && f.value.raw === EMPTY)) {
      const items: string[] = [];
      conv.fields.set(field, { value: { kind: "list", items }, mode: "c" });
      return items;
    }
    if (f.value.kind !== "list") throw wrongTypeError(ref, field);
    f.mode = "c";
    return f.value.items;
  }

  /** After a list write: an emptied list is kept as the empty-list marker. */
  private settle(conv: Conversation, field: string): void {
    const f = conv.fields.get(field);
    if (f && f.value.kind === "list" && f.value.items.length === 0) f.value = { kind: "scalar", raw: EMPTY };
  }

  /** The current list of a live field for reading, [] if missing, or a WrongTypeError. */
  private readList(ref: ConversationRef, field: string): string[] {
    const hit = this.live(ref, field);
    if (!hit) return [];
    if (hit.f.value.kind === "list") return hit.f.value.items;
    if (hit.f.value.raw === EMPTY) return [];
    throw wrongTypeError(ref, field);
  }

  /** Checks, before any change, that a live field can take a list write. */
  private checkListWritable(ref: ConversationRef, field: string): void {
    const hit = this.live(ref, field);
    if (hit && hit.f.value.kind === "scalar" && hit.f.value.raw !== EMPTY) throw wrongTypeError(ref, field);
  }

  async get(ref: ConversationRef, field: string): Promise<StoredValue | undefined> {
    const hit = this.live(ref, field);
    return hit ? copy(hit.f) : undefined;
  }

  async has(ref: ConversationRef, field: string): Promise<boolean> {
    return this.live(ref, field) !== undefined;
  }

  async set(
    ref: ConversationRef,
    field: string,
    value: StoredValue,
    ttl: FieldTtl,
    policy: WritePolicy,
  ): Promise<void> {
    const conv = this.begin(ref, policy);
    const mode: Mode = ttl === undefined ? "c" : ttl === null ? null : this.now() + ttl * 1000;
    this.store(conv, field, value, mode);
  }

  async update(
    ref: ConversationRef,
    entries: ReadonlyArray<readonly [string, StoredValue]>,
    policy: WritePolicy,
  ): Promise<void> {
    const conv = this.begin(ref, policy);
    for (const [field, value] of entries) this.store(conv, field, value, "c");
  }

  async delete(ref: ConversationRef, field: string, policy: WritePolicy): Promise<boolean> {
    if (!this.live(ref, field)) return false;
    const conv = this.begin(ref, policy);
    this.dropField(conv, field);
    return true;
  }

  async keys(ref: ConversationRef): Promise<string[]> {
    return this.liveItems(ref).map(([name]) => name);
  }

  async items(ref: ConversationRef): Promise<Array<[string, StoredValue]>> {
    return this.liveItems(ref);
  }

  private liveItems(ref: ConversationRef): Array<[string, StoredValue]> {
    this.tick();
    const conv = this.conversations.get(ref.keys.meta);
    if (!conv) return [];
    const now = this.now();
    const out: Array<[string, StoredValue]> = [];
    for (const [name, f] of conv.fields) if (this.alive(conv, f, now)) out.push([name, copy(f)]);
    return out;
  }

  async incr(ref: ConversationRef, field: string, by: number, policy: WritePolicy): Promise<number> {
    const hit = this.live(ref, field);
    let current = 0;
    if (hit) {
      const v = hit.f.value;
      if (v.kind !== "scalar" || !/^-?\d+$/.test(v.raw) || v.raw.length > 17)
        throw wrongTypeError(ref, field);
      current = Number(v.raw);
    }
    const next = current + by;
    if (!Number.isSafeInteger(next)) throw incrRangeError(ref, field);
    const conv = this.begin(ref, policy);
    this.store(conv, field, { kind: "scalar", raw: String(next) }, "c");
    return next;
  }

  async compareAndSet(
    ref: ConversationRef,
    field: string,
    expected: StoredValue | undefined,
    next: StoredValue,
    policy: WritePolicy,
  ): Promise<CasResult> {
    const hit = this.live(ref, field);
    const current = hit ? copy(hit.f) : undefined;
    if (!sameValue(current, expected)) return { ok: false, current };
    const conv = this.begin(ref, policy);
    this.store(conv, field, next, "c");
    return { ok: true };
  }

  async push(
    ref: ConversationRef,
    field: string,
    items: readonly string[],
    maxLength: number | undefined,
    policy: WritePolicy,
  ): Promise<number> {
    this.checkListWritable(ref, field);
    const conv = this.begin(ref, policy);
    const list = this.listFor(ref, conv, field);
    list.push(...items);
    this.indexIds(conv, field, items, true);
    if (maxLength !== undefined && list.length > maxLength) {
      this.indexIds(conv, field, list.splice(0, list.length - maxLength), false);
    }
    const n = list.length;
    this.settle(conv, field);
    return n;
  }

  async pop(ref: ConversationRef, field: string, index: number, policy: WritePolicy): Promise<string> {
    const current = this.readList(ref, field);
    const i = index < 0 ? index + current.length : index;
    if (i < 0 || i >= current.length) throw listIndexError(ref, field);
    const conv = this.begin(ref, policy);
    const list = this.listFor(ref, conv, field);
    const [value] = list.splice(i, 1) as [string];
    this.indexIds(conv, field, [value], false);
    this.settle(conv, field);
    return value;
  }

  async insert(
    ref: ConversationRef,
    field: string,
    index: number,
    item: string,
    policy: WritePolicy,
  ): Promise<number> {
    this.checkListWritable(ref, field);
    const conv = this.begin(ref, policy);
    const list = this.listFor(ref, conv, field);
    const n = list.length;
    const i = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
    list.splice(i, 0, item);
    this.indexIds(conv, field, [item], true);
    return list.length;
  }

  async removeAt(
    ref: ConversationRef,
    field: string,
    index: number,
    expected: string,
    length: number,
    policy: WritePolicy,
  ): Promise<boolean> {
    const hit = this.live(ref, field);
    if (hit?.f.value.kind !== "list") return false;
    const items = hit.f.value.items;
    if (items.length !== length || items[index] !== expected) return false;
    const conv = this.begin(ref, policy);
    const list = this.listFor(ref, conv, field);
    list.splice(index, 1);
    this.indexIds(conv, field, [expected], false);
    this.settle(conv, field);
    return true;
  }

  async range(
    ref: ConversationRef,
    field: string,
    start: number | undefined,
    end: number | undefined,
  ): Promise<string[]> {
    return this.readList(ref, field).slice(start, end);
  }

  async length(ref: ConversationRef, field: string): Promise<number> {
    return this.readList(ref, field).length;
  }

  async addMessage(
    ref: ConversationRef,
    message: PreparedMessage,
    maxMessages: number | undefined,
    policy: WritePolicy,
  ): Promise<AddMessageResult> {
    const existing = this.readList(ref, MESSAGES_FIELD);
    const conv = this.conversations.get(ref.keys.meta);
    if (conv?.messageIds.has(message.idJson)) {
      for (let i = existing.length - 1; i >= 0; i--) {
        const raw = existing[i] as string;
        if (messageId(raw) === message.idJson) return { added: false, raw };
      }
      conv.messageIds.delete(message.idJson);
    }
    const fresh = this.begin(ref, policy);
    const timestamp = this.now();
    const raw = `${message.head}${timestamp}${message.tail}`;
    const list = this.listFor(ref, fresh, MESSAGES_FIELD);
    list.push(raw);
    fresh.messageIds.add(message.idJson);
    if (maxMessages !== undefined && list.length > maxMessages) {
      this.indexIds(fresh, MESSAGES_FIELD, list.splice(0, list.length - maxMessages), false);
    }
    return { added: true, timestamp };
  }

  async setTtl(ref: ConversationRef, ttl: number | null, policy: WritePolicy): Promise<void> {
    const conv = this.begin(ref, policy);
    conv.ttl = ttl;
    conv.deadline = ttl === null ? null : this.now() + ttl * 1000;
    for (const f of conv.fields.values()) f.mode = "c";
  }

  async getTtl(ref: ConversationRef): Promise<number | null | undefined> {
    this.tick();
    const conv = this.conversations.get(ref.keys.meta);
    if (!conv) return undefined;
    const now = this.now();
    let best: number | undefined;
    for (const f of conv.fields.values()) {
      if (!this.alive(conv, f, now)) continue;
      const deadline = f.mode === "c" ? conv.deadline : f.mode;
      if (deadline === null || deadline === undefined) return null;
      if (best === undefined || deadline > best) best = deadline;
    }
    return best === undefined ? undefined : best - now;
  }

  async sizes(ref: ConversationRef): Promise<Array<[string, number]>> {
    return this.liveItems(ref).map(([name, v]) => [name, sizeOf(v)]);
  }

  async clear(ref: ConversationRef): Promise<number> {
    const removed = this.liveItems(ref).length;
    const conv = this.conversations.get(ref.keys.meta);
    if (conv) {
      conv.fields.clear();
      conv.messageIds.clear();
      conv.deadline = undefined;
    }
    return removed;
  }

  async deleteConversation(ref: ConversationRef): Promise<number> {
    const removed = this.liveItems(ref).length;
    this.conversations.delete(ref.keys.meta);
    return removed;
  }

  async serverTime(): Promise<number> {
    return this.now();
  }

  /** Live conversations under `keyPrefix`; the cursor counts conversations of that prefix. */
  async listConversations(keyPrefix: string, cursor: number, limit: number): Promise<RegistryPage> {
    const now = this.now();
    const conversations: ConversationInfo[] = [];
    let index = 0;
    for (const conv of this.conversations.values()) {
      if (conv.prefix !== keyPrefix) continue;
      if (index++ < cursor) continue;
      const info = this.summary(conv, now);
      if (info) conversations.push(info);
      if (index - cursor >= limit) return { conversations, cursor: index };
    }
    return { conversations, cursor: undefined };
  }

  async sweepExpired(keyPrefix: string, cutoff: number, _cursor: number): Promise<SweepStep> {
    const now = this.now();
    let scanned = 0;
    let removed = 0;
    for (const [key, conv] of this.conversations) {
      if (conv.prefix !== keyPrefix) continue;
      scanned++;
      const info = this.summary(conv, now);
      if (!info || conv.lastActivity < cutoff) {
        this.conversations.delete(key);
        if (info) removed++;
      }
    }
    return { scanned, removed, cursor: undefined };
  }

  private summary(conv: Conversation, now: number): ConversationInfo | undefined {
    let totalFields = 0;
    let totalSizeBytes = 0;
    for (const f of conv.fields.values()) {
      if (!this.alive(conv, f, now)) continue;
      totalFields++;
      totalSizeBytes += sizeOf(f.value);
    }
    if (totalFields === 0) return undefined;
    return { conversationId: conv.id, totalFields, totalSizeBytes, lastActivity: conv.lastActivity };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Every 1024 operations, drops up to 256 fully expired conversations (bounded work). */
  private tick(): void {
    if (this.closed) return;
    if (++this.ops % 1024 !== 0) return;
    const now = this.now();
    for (let n = 0; n < 256; n++) {
      this.sweepCursor ??= this.conversations.entries();
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = undefined;
        return;
      }
      const [key, conv] = next.value;
      let anyAlive = false;
      for (const f of conv.fields.values()) {
        if (this.alive(conv, f, now)) {
          anyAlive = true;
          break;
        }
      }
      const pending = conv.deadline === null || (conv.deadline !== undefined && now < conv.deadline);
      if (!anyAlive && !pending) this.conversations.delete(key);
    }
  }
}

function sameValue(a: StoredValue | undefined, b: StoredValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === "scalar") return b.kind === "scalar" && a.raw === b.raw;
  if (b.kind === "scalar") return false;
  return a.items.length === b.items.length && a.items.every((item, i) => item === b.items[i]);
}

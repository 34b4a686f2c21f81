/**
 * The inspector's JSON API, each handler a few calls of the public API:
 *
 * - a page of conversations: `manager.listConversations()` pages, filtered by id prefix and
 *   sorted newest first within what was read; bounded by {@link PAGE_SCAN} (see docs/inspector.md);
 * - TTLs of the rows on screen: `getMemory(id).getTtl()` each;
 * - one conversation: `getMemorySize()` and `getTtl()` (the cheap poll), `items()` (the whole);
 * - stats: one `conversations()` walk, totals and a histogram by last activity, cached briefly;
 * - writes (only with `--allow-writes`): `cleanupConversation`, `setTtl`, `delete(field)`.
 */
import type { ConversationInfo, MemoryManager, OperationEvent } from "../index.js";
import { ValidationError } from "../index.js";
import { HttpError, requireString } from "./http.js";

/** Rows a page returns unless `limit` says otherwise. */
export const DEFAULT_PAGE_LIMIT = 100;
/** Largest `limit` a page accepts. */
export const MAX_PAGE_LIMIT = 1000;
/**
 * A page stops reading the registry once it has read this many conversations (or found
 * `limit` matches, or reached the end): the bound that keeps a filtered page from walking a
 * large registry. One registry read can overshoot it by one step (1/32 of the registry).
 */
export const PAGE_SCAN = 10_000;
/** Most ids one TTL request may name. */
export const MAX_TTL_IDS = 200;
/** How long a stats walk is reused, ms. */
export const STATS_CACHE_MS = 10_000;
/** Operation events kept for the activity view. */
const ACTIVITY_KEPT = 50;

/** One page of the conversation list. */
export interface ConversationPage {
  conversations: ConversationInfo[];
  /** Pass back as `cursor` for the next page; null when the registry has been read to its end. */
  cursor: number | null;
  /** Conversations read from the registry for this page (matching or not). */
  scanned: number;
  /** Registry reads (`listConversations` calls) this page took. */
  reads: number;
  ms: number;
}

/** The age buckets of the activity histogram: upper bounds in seconds. */
const AGE_BUCKETS: ReadonlyArray<readonly [string, number]> = [
  ["< 1 min", 60],
  ["1–5 min", 300],
  ["5–15 min", 900],
  ["15–60 min", 3600],
  ["1–6 h", 6 * 3600],
  ["6–24 h", 86_400],
  ["1–7 d", 7 * 86_400],
  ["> 7 d", Number.POSITIVE_INFINITY],
];

/** Totals and the histogram of one stats walk. */
export interface InspectorStats {
  totalConversations: number;
  totalFields: number;
  totalSizeBytes: number;
  /** Conversations by age of their last activity, newest bucket first. */
  byLastActivity: Array<{ label: string; count: number }>;
  newest: number | null;
  oldest: number | null;
  /** When the walk finished (ms since the epoch, this host's clock) and how long it took. */
  computedAt: number;
  ms: number;
}

/** What a conversation's poll returns: cheap, O(fields). */
export interface ConversationSummary {
  conversationId: string;
  /** Seconds left, null = never expires. */
  ttl: number | null;
  totalFields: number;
  totalSizeBytes: number;
  sizes: Record<string, number>;
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = query.get(name);
  if (text === null || text === "") return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ValidationError(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/** The inspector's operations on one manager. */
export class InspectorApi {
  private statsCache: { at: number; value: Promise<InspectorStats> } | undefined;
  private readonly activity: Array<OperationEvent & { at: number }> = [];

  constructor(private readonly manager: MemoryManager) {
    manager.on("operation", (e) => {
      this.activity.push({ ...e, at: Date.now() });
      if (this.activity.length > ACTIVITY_KEPT) this.activity.shift();
    });
  }

  /** `GET /api/conversations?cursor&limit&prefix` */
  async page(query: URLSearchParams): Promise<ConversationPage> {
    const started = performance.now();
    let cursor: number | undefined = intParam(query, "cursor", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, "limit", DEFAULT_PAGE_LIMIT, 1, MAX_PAGE_LIMIT);
    const prefix = query.get("prefix") ?? "";
    const matched: ConversationInfo[] = [];
    let scanned = 0;
    let reads = 0;
    while (cursor !== undefined && matched.length < limit && scanned < PAGE_SCAN) {
      const page = await this.manager.listConversations({ cursor, limit });
      reads++;
      scanned += page.conversations.length;
      for (const c of page.conversations) if (c.conversationId.startsWith(prefix)) matched.push(c);
      cursor = page.cursor;
    }
    matched.sort(
      (a, b) =>
        b.lastActivity - a.lastActivity ||
        (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0),
    );
    return {
      conversations: matched,
      cursor: cursor ?? null,
      scanned,
      reads,
      ms: performance.now() - started,
    };
  }

  /** `POST /api/ttls { ids }`: seconds left, null (never expires) or "gone", by id. */
  async ttls(body: Record<string, unknown>): Promise<{ ttls: Record<string, number | null | "gone"> }> {
    const ids = body.ids;
    if (!Array.isArray(ids) || ids.length > MAX_TTL_IDS || !ids.every((id) => typeof id === "string")) {
      throw new ValidationError(`ids must be an array of at most ${MAX_TTL_IDS} conversation ids`);
    }
    const ttls: Record<string, number | null | "gone"> = {};
    await Promise.all(
      (ids as string[]).map(async (id) => {
        const ttl = await this.manager.getMemory(id).getTtl();
        ttls[id] = ttl === undefined ? "gone" : ttl;
      }),
    );
    return { ttls };
  }

  /** `GET /api/conversation/summary?id`: TTL and sizes, the poll (O(fields), not O(history)). */
  async summary(query: URLSearchParams): Promise<ConversationSummary> {
    const id = requireString(query.get("id") ?? undefined, "id");
    const memory = this.manager.getMemory(id);
    const [size, ttl] = await Promise.all([memory.getMemorySize(), memory.getTtl()]);
    if (ttl === undefined || size.totalFields === 0) throw notFound(id);
    return {
      conversationId: id,
      ttl,
      totalFields: size.totalFields,
      totalSizeBytes: size.totalSizeBytes,
      sizes: size.fields,
    };
  }

  /** `GET /api/conversation?id`: the summary plus every field's value. */
  async conversation(
    query: URLSearchParams,
  ): Promise<ConversationSummary & { fields: Array<[string, unknown]> }> {
    const summary = await this.summary(query);
    const fields = await this.manager.getMemory(summary.conversationId).items();
    return { ...summary, fields };
  }

  /** `GET /api/stats`: one registry walk, shared by concurrent requests and reused briefly. */
  stats(query: URLSearchParams): Promise<InspectorStats> {
    const fresh = query.get("fresh") === "1";
    const cached = this.statsCache;
    if (cached !== undefined && !fresh && Date.now() - cached.at < STATS_CACHE_MS) return cached.value;
    const value = this.walkStats();
    this.statsCache = { at: Date.now(), value };
    value.catch(() => {
      if (this.statsCache?.value === value) this.statsCache = undefined;
    });
    return value;
  }

  private async walkStats(): Promise<InspectorStats> {
    const started = performance.now();
    const counts = AGE_BUCKETS.map(() => 0);
    let totalConversations = 0;
    let totalFields = 0;
    let totalSizeBytes = 0;
    let newest: number | null = null;
    let oldest: number | null = null;
    const now = Date.now();
    for await (const c of this.manager.conversations({ batchSize: 500 })) {
      totalConversations++;
      totalFields += c.totalFields;
      totalSizeBytes += c.totalSizeBytes;
      newest = newest === null ? c.lastActivity : Math.max(newest, c.lastActivity);
      oldest = oldest === null ? c.lastActivity : Math.min(oldest, c.lastActivity);
      const age = Math.max(0, (now - c.lastActivity) / 1000);
      const bucket = AGE_BUCKETS.findIndex(([, upTo]) => age < upTo);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    return {
      totalConversations,
      totalFields,
      totalSizeBytes,
      byLastActivity: AGE_BUCKETS.map(([label], i) => ({ label, count: counts[i] ?? 0 })),
      newest,
      oldest,
      computedAt: Date.now(),
      ms: performance.now() - started,
    };
  }

  /** `GET /api/activity`: the inspector's own recent operations (the `on("operation")` hook). */
  recentActivity(): { operations: Array<Record<string, unknown>> } {
    return {
      operations: this.activity.map((e) => ({
        at: e.at,
        operation: e.operation,
        conversationId: e.conversationId ?? null,
        durationMs: e.durationMs,
        outcome: e.outcome,
        code: e.code ?? null,
      })),
    };
  }

  /** `POST /api/conversation/delete { id }` */
  async deleteConversation(body: Record<string, unknown>): Promise<{ removedFields: number }> {
    const id = requireString(body.id, "id");
    const removedFields = await this.manager.cleanupConversation(id);
    if (removedFields === 0) throw notFound(id);
    this.statsCache = undefined;
    return { removedFields };
  }

  /** `POST /api/conversation/ttl { id, ttl }`: seconds, or null = never expires. */
  async setTtl(body: Record<string, unknown>): Promise<{ ttl: number | null }> {
    const id = requireString(body.id, "id");
    const memory = this.manager.getMemory(id);
    if ((await memory.getTtl()) === undefined) throw notFound(id);
    await memory.setTtl(body.ttl as number | null);
    return { ttl: (await memory.getTtl()) ?? null };
  }

  /** `POST /api/field/delete { id, field }` */
  async deleteField(body: Record<string, unknown>): Promise<{ deleted: boolean }> {
    const id = requireString(body.id, "id");
    const field = requireString(body.field, "field");
    const deleted = await this.manager.getMemory(id).delete(field);
    if (!deleted) throw new HttpError(404, "ERR_NOT_FOUND", `field ${JSON.stringify(field)} not found`);
    return { deleted };
  }
}

function notFound(id: string): HttpError {
  return new HttpError(404, "ERR_NOT_FOUND", `conversation ${JSON.stringify(id)} not found (or expired)`);
}

/**
 * `ConvmemSaver`: LangGraph.js's `BaseCheckpointSaver` on a convmem manager. A thread is the
 * conversation of its `thread_id`; the saver's data sit in the fields of `layout.ts`. Built on
 * the public API only: `batch` (each `put`/`putWrites` one atomic round trip), `getMany` (a
 * read of a record, its writes and blobs in one round trip), `getList` (the put log, from the
 * end) and `conversations()` (the registry, for `list()` without a thread).
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  type PendingWrite,
  type SerializerProtocol,
  TASKS,
  WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import {
  type BatchWrite,
  type ConversationMemory,
  GuardFailedError,
  getMemoryManager,
  type ManySpec,
  type MemoryManager,
} from "../index.js";
import {
  ALL_FIELDS,
  blobKey,
  FIELDS,
  fromStored,
  isSerialized,
  type Latest,
  mapKey,
  revKey,
  type Serialized,
  type StoredCheckpoint,
  type StoredWrite,
  type StoredWrites,
  toStored,
} from "./layout.js";

/** Options of {@link ConvmemSaver}. */
export interface ConvmemSaverOptions {
  /** The manager whose conversations hold the threads (default: `getMemoryManager()`). */
  manager?: MemoryManager;
  /** LangGraph's serializer (default: the framework's `JsonPlusSerializer`). */
  serde?: SerializerProtocol;
}

const PAGE = 64;
const CACHE_ENTRIES = 1024;
const RETRIES = 20;

/** The thread id of a config (a string or a number), or undefined. */
function threadOf(config: RunnableConfig): string | undefined {
  const id: unknown = config.configurable?.thread_id;
  if (typeof id === "number") return String(id);
  if (id === undefined || id === null) return undefined;
  if (typeof id !== "string") throw new TypeError(`thread_id must be a string, got ${typeof id}`);
  return id;
}

function required(config: RunnableConfig, what: string): string {
  const id = threadOf(config);
  if (id === undefined) {
    throw new Error(
      `Failed to ${what}: the RunnableConfig has no "thread_id" in "configurable" (e.g. graph.invoke(input, { configurable: { thread_id: "conv_123" } })).`,
    );
  }
  return id;
}

/**
 * A LangGraph.js checkpointer on plain Redis >= 7 (standalone or Cluster, no modules) through
 * convmem: `thread_id` = conversation id, so a thread expires, is listed and cleaned up with
 * its conversation.
 *
 * @example
 * ```ts
 * import { createMemoryManager } from "convmem";
 * import { ConvmemSaver } from "convmem/langgraph";
 * const manager = createMemoryManager({ redis: "redis://localhost:6379" });
 * const graph = workflow.compile({ checkpointer: new ConvmemSaver({ manager }) });
 * await graph.invoke(input, { configurable: { thread_id: "conv_123" } });
 * ```
 */
export class ConvmemSaver extends BaseCheckpointSaver {
  /** The manager the threads live on. */
  readonly manager: MemoryManager;
  /** Last known pending writes per `thread\0key`, so `putWrites` is one guarded batch. */
  private readonly writesCache = new Map<string, StoredWrites>();
  /** Per checkpoint, this process's `putWrites` in call order (they read-modify-write). */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(options: ConvmemSaverOptions = {}) {
    super(options.serde);
    this.manager = options.manager ?? getMemoryManager();
  }

  private memory(threadId: string): ConversationMemory {
    return this.manager.getMemory(threadId);
  }

  private remember(threadId: string, key: string, value: StoredWrites): void {
    const ck = `${threadId}\u0000${key}`;
    this.writesCache.delete(ck);
    this.writesCache.set(ck, value);
    if (this.writesCache.size > CACHE_ENTRIES) {
      const oldest = this.writesCache.keys().next().value;
      if (oldest !== undefined) this.writesCache.delete(oldest);
    }
  }

  private async load(s: Serialized): Promise<unknown> {
    const [t, data] = fromStored(s);
    return this.serde.loadsTyped(t, data);
  }

  private async dump(value: unknown): Promise<Serialized> {
    return toStored(await this.serde.dumpsTyped(value));
  }

  /** The ordered, deserialized pending writes of a stored writes record. */
  private async pending(w: StoredWrites | undefined): Promise<CheckpointPendingWrite[]> {
    if (w === undefined) return [];
    const sorted = [...w.writes].sort((a, b) =>
      compareWritesSortKeys([a[4], a[0], a[1]], [b[4], b[0], b[1]]),
    );
    return Promise.all(
      sorted.map(
        async ([taskId, , channel, value]) =>
          [taskId, channel, await this.load(value)] as CheckpointPendingWrite,
      ),
    );
  }

  /** Builds a tuple from a record read back with its writes and blob values. */
  private async tuple(
    threadId: string,
    ns: string,
    id: string,
    record: StoredCheckpoint,
    writes: StoredWrites | undefined,
    blobs: ReadonlyMap<string, unknown>,
    memory: ConversationMemory,
  ): Promise<CheckpointTuple> {
    const checkpoint = (await this.load(record.checkpoint)) as Checkpoint;
    const values: Array<[string, unknown]> = [];
    for (const [channel, version] of Object.entries(record.versions)) {
      const blob = blobs.get(blobKey(ns, channel, version));
      if (isSerialized(blob) && blob.t !== "empty") values.push([channel, await this.load(blob)]);
    }
    checkpoint.channel_values = Object.fromEntries(values);
    if (checkpoint.v < 4 && record.parent !== null)
      await this.migrateSends(checkpoint, memory, ns, record.parent);
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: id } },
      checkpoint,
      metadata: (await this.load(record.metadata)) as CheckpointMetadata,
      pendingWrites: await this.pending(writes),
    };
    if (record.parent !== null) {
      tuple.parentConfig = {
        configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: record.parent },
      };
    }
    return tuple;
  }

  /** Checkpoints before v4 kept pending sends as the parent's TASKS writes (as `MemorySaver`). */
  private async migrateSends(checkpoint: Checkpoint, memory: ConversationMemory, ns: string, parent: string) {
    const w = (await memory.mapGet(FIELDS.writes, mapKey([ns, parent]))) as StoredWrites | undefined;
    const sends = (await this.pending(w))
      .filter(([, channel]) => channel === TASKS)
      .map(([, , value]) => value);
    checkpoint.channel_values ??= {};
    checkpoint.channel_values[TASKS] = sends;
    checkpoint.channel_versions ??= {};
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] =
      versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  /**
   * Reads checkpoints `[ns, id]` of one thread (records and writes in one `getMany`, then
   * their blobs in a second) and builds their tuples; missing ones are left out.
   */
  private async fetch(
    threadId: string,
    refs: ReadonlyArray<readonly [string, string]>,
    accept: (metadata: CheckpointMetadata) => boolean = () => true,
  ): Promise<CheckpointTuple[]> {
    if (refs.length === 0) return [];
    const memory = this.memory(threadId);
    const specs: ManySpec[] = refs.flatMap(([ns, id]) => [
      { field: FIELDS.checkpoints, key: mapKey([ns, id]) },
      { field: FIELDS.writes, key: mapKey([ns, id]) },
    ]);
    const read = await memory.getMany(specs);
    const found: Array<{
      ns: string;
      id: string;
      record: StoredCheckpoint;
      writes: StoredWrites | undefined;
    }> = [];
    for (const [i, [ns, id]] of refs.entries()) {
      const record = read[2 * i] as StoredCheckpoint | undefined;
      if (record === undefined) continue;
      if (!accept((await this.load(record.metadata)) as CheckpointMetadata)) continue;
      found.push({ ns, id, record, writes: read[2 * i + 1] as StoredWrites | undefined });
    }
    const keys = [
      ...new Set(
        found.flatMap(({ ns, record }) => Object.entries(record.versions).map(([c, v]) => blobKey(ns, c, v))),
      ),
    ];
    const values = keys.length > 0 ? await memory.mapGetMany(FIELDS.blobs, keys) : [];
    const blobs = new Map(keys.map((k, i) => [k, values[i]]));
    return Promise.all(
      found.map(({ ns, id, record, writes }) => {
        if (writes !== undefined) this.remember(threadId, mapKey([ns, id]), writes);
        return this.tuple(threadId, ns, id, record, writes, blobs, memory);
      }),
    );
  }

  /**
   * The checkpoint of `config` (`checkpoint_id`), or the namespace's newest: one `getMany` of
   * the newest pointer (which carries the channel versions), then one of the record, its
   * pending writes and its blobs — two round trips at any thread size.
   */
  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = threadOf(config);
    if (threadId === undefined) return undefined;
    const ns: string = config.configurable?.checkpoint_ns ?? "";
    const id = getCheckpointId(config);
    if (id) return (await this.fetch(threadId, [[ns, id]]))[0];
    const memory = this.memory(threadId);
    const latest = (await memory.mapGet(FIELDS.latest, mapKey([ns]))) as Latest | undefined;
    if (latest === undefined) return undefined;
    const key = mapKey([ns, latest.id]);
    const blobKeys = Object.entries(latest.versions).map(([c, v]) => blobKey(ns, c, v));
    const [record, writes, ...values] = await memory.getMany([
      { field: FIELDS.checkpoints, key },
      { field: FIELDS.writes, key },
      ...blobKeys.map((k) => ({ field: FIELDS.blobs, key: k })),
    ]);
    if (record === undefined) return undefined;
    const w = writes as StoredWrites | undefined;
    if (w !== undefined) this.remember(threadId, key, w);
    const blobs = new Map(blobKeys.map((k, i) => [k, values[i]]));
    return this.tuple(threadId, ns, latest.id, record as StoredCheckpoint, w, blobs, memory);
  }

  /**
   * Checkpoints newest first (in put order, which is id order for LangGraph's uuid6 ids), read
   * from the end of the thread's put log in pages: `limit` without `filter` costs O(limit);
   * `before` and `filter` add the entries they skip. Without `thread_id`, every conversation
   * of the registry (`manager.conversations()`), never a walk of the keyspace.
   */
  override async *list(
    config: RunnableConfig,
    options: CheckpointListOptions = {},
  ): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options;
    let limit = options.limit;
    if (limit !== undefined && limit <= 0) return;
    const threadId = threadOf(config);
    const ns: string | undefined = config.configurable?.checkpoint_ns;
    const only = getCheckpointId(config) || undefined;
    const beforeId = before?.configurable?.checkpoint_id as string | undefined;
    const accept = (m: CheckpointMetadata): boolean =>
      filter === undefined ||
      Object.entries(filter).every(([k, v]) => (m as Record<string, unknown>)[k] === v);
    const threads = threadId !== undefined ? [threadId] : this.threadIds();
    for await (const thread of threads) {
      const memory = this.memory(thread);
      const seen = new Set<string>();
      for (let offset = 0; ; offset += PAGE) {
        const page = (await memory.getList(FIELDS.log, {
          start: -(offset + PAGE),
          ...(offset > 0 ? { end: -offset } : {}),
        })) as Array<[string, string]>;
        const refs: Array<[string, string]> = [];
        for (let i = page.length - 1; i >= 0; i--) {
          const entry = page[i];
          if (entry === undefined) continue;
          const [ens, eid] = entry;
          const k = mapKey([ens, eid]);
          if (seen.has(k)) continue;
          seen.add(k);
          if (ns !== undefined && ens !== ns) continue;
          if (only !== undefined && eid !== only) continue;
          if (beforeId !== undefined && eid >= beforeId) continue;
          refs.push([ens, eid]);
        }
        for (const tuple of await this.fetch(thread, refs, accept)) {
          yield tuple;
          if (limit !== undefined && --limit <= 0) return;
        }
        if (page.length < PAGE) break;
      }
    }
  }

  private async *threadIds(): AsyncGenerator<string> {
    for await (const c of this.manager.conversations()) yield c.conversationId;
  }

  /**
   * Stores a checkpoint, the blobs of the channels in `newVersions` and the namespace's newest
   * pointer, and appends it to the put log: one `batch` (atomic, one round trip), whose size
   * is the changed channels', not the thread's.
   */
  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = required(config, "put checkpoint");
    const ns: string = config.configurable?.checkpoint_ns ?? "";
    const parent: unknown = config.configurable?.checkpoint_id;
    const copy = copyCheckpoint(checkpoint);
    const values = copy.channel_values;
    copy.channel_values = {};
    const versions = { ...copy.channel_versions } as Record<string, string | number>;
    const record: StoredCheckpoint = {
      checkpoint: await this.dump(copy),
      metadata: await this.dump(metadata),
      parent: typeof parent === "string" && parent !== "" ? parent : null,
      versions,
    };
    const writes: BatchWrite[] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      const blob = Object.hasOwn(values, channel) ? await this.dump(values[channel]) : { t: "empty", s: "" };
      writes.push({ op: "mapSet", field: FIELDS.blobs, key: blobKey(ns, channel, version), value: blob });
    }
    const key = mapKey([ns, checkpoint.id]);
    writes.push(
      { op: "mapSet", field: FIELDS.checkpoints, key, value: record },
      { op: "mapSet", field: FIELDS.latest, key: mapKey([ns]), value: { id: checkpoint.id, versions } },
      { op: "append", field: FIELDS.log, value: [ns, checkpoint.id] },
    );
    await this.memory(threadId).batch(writes);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  /**
   * Stores a task's pending writes on a checkpoint: one `batch` guarded on the checkpoint's
   * writes revision (one round trip when this process knows the revision, as after its own
   * `put`, `getTuple` or `putWrites`). As `MemorySaver`: a write at an index the task already
   * wrote is kept, special channels (`WRITES_IDX_MAP`) replace theirs.
   */
  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ) {
    const threadId = required(config, "put writes");
    const id: unknown = config.configurable?.checkpoint_id;
    if (typeof id !== "string" || id === "") {
      throw new Error('Failed to put writes: the RunnableConfig has no "checkpoint_id" in "configurable".');
    }
    const ns: string = config.configurable?.checkpoint_ns ?? "";
    const incoming: StoredWrite[] = await Promise.all(
      writes.map(
        async ([channel, value], i) =>
          [
            taskId,
            WRITES_IDX_MAP[channel] ?? i,
            channel,
            await this.dump(value),
            taskPath ?? "",
          ] as StoredWrite,
      ),
    );
    const key = mapKey([ns, id]);
    const chainKey = `${threadId}\u0000${key}`;
    const run = (this.chains.get(chainKey) ?? Promise.resolve()).then(() =>
      this.mergeWrites(threadId, key, revKey(ns, id), incoming),
    );
    const settled = run.catch(() => {});
    this.chains.set(chainKey, settled);
    void settled.then(() => {
      if (this.chains.get(chainKey) === settled) this.chains.delete(chainKey);
    });
    await run;
  }

  private async mergeWrites(
    threadId: string,
    key: string,
    rev: string,
    incoming: StoredWrite[],
  ): Promise<void> {
    const memory = this.memory(threadId);
    const ck = `${threadId}\u0000${key}`;
    let current: StoredWrites = this.writesCache.get(ck) ?? { rev: 0, writes: [] };
    for (let attempt = 0; ; attempt++) {
      const merged = [...current.writes];
      let changed = false;
      for (const w of incoming) {
        const at = merged.findIndex((m) => m[0] === w[0] && m[1] === w[1]);
        if (at >= 0 && w[1] >= 0) continue;
        if (at >= 0) merged[at] = w;
        else merged.push(w);
        changed = true;
      }
      if (!changed) return;
      const next: StoredWrites = { rev: current.rev + 1, writes: merged };
      try {
        await memory.batch(
          [
            { op: "mapSet", field: FIELDS.writes, key, value: next },
            { op: "mapSet", field: FIELDS.writes, key: rev, value: next.rev },
          ],
          {
            guards: [
              current.rev === 0
                ? { field: FIELDS.writes, key: rev, absent: true }
                : { field: FIELDS.writes, key: rev, equals: current.rev },
            ],
          },
        );
        this.remember(threadId, key, next);
        return;
      } catch (err) {
        if (!(err instanceof GuardFailedError) || attempt >= RETRIES) throw err;
        current = ((await memory.mapGet(FIELDS.writes, key)) as StoredWrites | undefined) ?? {
          rev: 0,
          writes: [],
        };
      }
    }
  }

  /**
   * Removes everything the saver stored for the thread — its five fields, in one atomic step —
   * and nothing else of the conversation.
   */
  override async deleteThread(threadId: string): Promise<void> {
    await this.memory(threadId).batch(ALL_FIELDS.map((field) => ({ op: "delete", field })));
    const prefix = `${threadId}\u0000`;
    for (const k of [...this.writesCache.keys()]) if (k.startsWith(prefix)) this.writesCache.delete(k);
  }
}

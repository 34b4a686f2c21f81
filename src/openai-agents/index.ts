/**
 * `convmem/openai-agents` — a `Session` of the OpenAI Agents SDK (`@openai/agents-core`) whose
 * history lives in a convmem conversation, shared by every process that opens the same
 * `sessionId`: each item one JSON list element of the list field `field` (default
 * `"agent_items"`), every method one atomic step.
 *
 * @example
 * ```ts
 * import { Agent, run } from "@openai/agents";
 * import { createMemoryManager } from "convmem";
 * import { ConvmemSession } from "convmem/openai-agents";
 *
 * const manager = createMemoryManager({ redis: "redis://localhost:6379" });
 * const session = new ConvmemSession({ sessionId: "conv_123", manager });
 * await run(agent, "What did I ask you yesterday?", { session });
 * ```
 * @packageDocumentation
 */
import type {
  AgentInputItem,
  SessionHistoryRewriteArgs,
  SessionHistoryRewriteAwareSession,
  SessionHistoryTransactionArgs,
  SessionHistoryTransactionAwareSession,
} from "@openai/agents-core";
import { applySessionHistoryMutations, UserError } from "@openai/agents-core";
import {
  type BatchGuard,
  type BatchWrite,
  ConflictError,
  type ConversationMemory,
  GuardFailedError,
  getMemoryManager,
  ListIndexError,
  type MemoryManager,
  ValidationError,
} from "../index.js";
import { checkConversationId, checkField, checkOptions, describe } from "../validate.js";
import { jsonEqual } from "../values.js";
import {
  normalizeItems,
  normalizeTransaction,
  normalizeValue,
  operationKey,
  transactionDigest,
} from "./items.js";
import { snapshotHistoryTransactionArgs } from "./snapshot.js";

/** Options of {@link ConvmemSession}. */
export interface ConvmemSessionOptions {
  /** The conversation that holds the session (any convmem conversation id). */
  sessionId: string;
  /**
   * Where the conversation lives.
   * @default getMemoryManager() (resolved at each call, so a closed shared manager is replaced)
   */
  manager?: MemoryManager;
  /**
   * The list field of the items. The session also keeps its operation ids in the map field
   * `<field>:ops`.
   * @default "agent_items"
   */
  field?: string;
}

/** The default list field of a session's items. */
export const DEFAULT_AGENT_ITEMS_FIELD = "agent_items";

/** Suffix of the map field holding a session's applied history operations. */
export const OPERATIONS_SUFFIX = ":ops";

/** Attempts of a compare-and-set step before `ConflictError` (other processes kept changing the list). */
export const SESSION_CAS_ATTEMPTS = 10;

const OPTIONS = ["sessionId", "manager", "field"] as const;
/** Past this, `getItems(limit)` reads the whole list (an index that large cannot be sent). */
const MAX_LIMIT = 2 ** 32;

/**
 * A session of the OpenAI Agents SDK on convmem: `MemorySession`'s behaviour, held in Redis and
 * atomic across processes. See docs/openai-agents.md.
 */
export class ConvmemSession
  implements SessionHistoryTransactionAwareSession, SessionHistoryRewriteAwareSession
{
  /** The conversation id. */
  readonly sessionId: string;
  /** The list field of the items. */
  readonly field: string;
  /** The map field of the applied operation ids (`<field>:ops`). */
  readonly operationsField: string;
  readonly #manager: MemoryManager | undefined;

  /** Checks the options (`ValidationError`); does no I/O. */
  constructor(options: ConvmemSessionOptions) {
    checkOptions(options, "ConvmemSession options", OPTIONS, '{ sessionId: "conv_123", manager }');
    if (options === undefined)
      throw new ValidationError("ConvmemSession needs options: { sessionId, manager? }");
    this.sessionId = checkConversationId(options.sessionId);
    this.field = checkField(options.field ?? DEFAULT_AGENT_ITEMS_FIELD);
    this.operationsField = checkField(this.field + OPERATIONS_SUFFIX);
    const manager = options.manager;
    if (manager !== undefined && (typeof manager !== "object" || typeof manager.getMemory !== "function")) {
      throw new ValidationError(`manager must be a MemoryManager, got ${describe(manager)}`);
    }
    this.#manager = manager;
  }

  /** The conversation, from the given manager or the shared one. */
  private memory(): ConversationMemory {
    return (this.#manager ?? getMemoryManager()).getMemory(this.sessionId);
  }

  /** The session id (the conversation id). */
  async getSessionId(): Promise<string> {
    return this.sessionId;
  }

  /**
   * The newest `limit` items in chronological order (O(limit)); all without `limit`; `[]` for
   * `limit <= 0`. Fresh copies.
   */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    const memory = this.memory();
    if (limit === undefined) return (await memory.getList(this.field)) as AgentInputItem[];
    if (typeof limit !== "number")
      throw new ValidationError(`limit must be a number, got ${describe(limit)}`);
    if (limit <= 0) return [];
    // As MemorySession's slice: NaN and Infinity read everything, a fraction rounds up.
    if (!(limit < MAX_LIMIT)) return (await memory.getList(this.field)) as AgentInputItem[];
    return (await memory.getList(this.field, { start: -Math.ceil(limit) })) as AgentInputItem[];
  }

  /** Appends the items (JSON-normalized) in one atomic step: all or none, contiguous. */
  async addItems(items: AgentInputItem[]): Promise<void> {
    if (!Array.isArray(items)) throw new ValidationError(`addItems takes an array, got ${describe(items)}`);
    if (items.length === 0) return;
    await this.memory().extend(this.field, normalizeItems(items));
  }

  /** Removes and returns the newest item (two processes never get the same one); empty: undefined. */
  async popItem(): Promise<AgentInputItem | undefined> {
    try {
      return (await this.memory().pop(this.field)) as AgentInputItem;
    } catch (err) {
      if (err instanceof ListIndexError) return undefined;
      throw err;
    }
  }

  /** Removes the items and the recorded operation ids, nothing else of the conversation. */
  async clearSession(): Promise<void> {
    await this.memory().batch([
      { op: "delete", field: this.field },
      { op: "delete", field: this.operationsField },
    ]);
  }

  /**
   * Replaces the whole history with `items` (a compaction item and what it keeps) in one atomic
   * step: no process ever reads an empty history in between. Operation ids stay recorded.
   */
  async replaceHistoryWithCompaction(items: AgentInputItem[]): Promise<void> {
    if (!Array.isArray(items))
      throw new ValidationError(`replaceHistoryWithCompaction takes an array, got ${describe(items)}`);
    const memory = this.memory();
    if (items.length === 0) await memory.delete(this.field);
    else await memory.set(this.field, normalizeItems(items));
  }

  /**
   * Applies `replace_function_call` mutations as `MemorySession` does (the first function call
   * with `callId` replaced, later ones with it removed), in one atomic step: the list is read,
   * changed, and written back only if nobody changed it meanwhile (else read again).
   */
  async applyHistoryMutations(args: SessionHistoryRewriteArgs): Promise<void> {
    const mutations = args?.mutations;
    if (!Array.isArray(mutations))
      throw new ValidationError(`applyHistoryMutations takes { mutations: [...] }, got ${describe(args)}`);
    if (mutations.length === 0) return;
    const normalized = mutations.map((m) => normalizeValue(m) as (typeof mutations)[number]);
    const memory = this.memory();
    for (let attempt = 1; attempt <= SESSION_CAS_ATTEMPTS; attempt++) {
      const current = (await memory.getList(this.field)) as AgentInputItem[];
      const next = applySessionHistoryMutations(current, normalized);
      let from = 0;
      while (from < current.length && from < next.length && jsonEqual(current[from], next[from])) from++;
      if (from === current.length && from === next.length) return;
      const write: BatchWrite = {
        op: "splice",
        field: this.field,
        start: from,
        deleteCount: current.length - from,
        items: next.slice(from),
      };
      try {
        await memory.batch([write], { guards: [{ field: this.field, equals: current }] });
        return;
      } catch (err) {
        if (!(err instanceof GuardFailedError)) throw err;
      }
    }
    throw this.conflict("applyHistoryMutations");
  }

  /**
   * Applies an `append_items` or `replace_suffix` transaction and records its operation id in
   * the same atomic step. The same id with the same transaction again (from any process, while
   * the session exists) changes nothing; with a different transaction, or when the stored
   * suffix is not deep-equal to `expectedSuffix`, it throws the SDK's `UserError` and changes
   * nothing. Invalid input is refused before any I/O, as by `MemorySession`.
   */
  async applyHistoryTransaction(args: SessionHistoryTransactionArgs): Promise<void> {
    const { operationId, transaction: snapshot } = snapshotHistoryTransactionArgs(args);
    const transaction = normalizeTransaction(snapshot);
    const key = operationKey(operationId);
    const digest = transactionDigest(transaction);
    const memory = this.memory();
    const unrecorded: BatchGuard = { field: this.operationsField, key, absent: true };
    const record: BatchWrite = { op: "mapSet", field: this.operationsField, key, value: digest };
    for (let attempt = 1; attempt <= SESSION_CAS_ATTEMPTS; attempt++) {
      let guards: BatchGuard[];
      let writes: BatchWrite[];
      if (transaction.type === "append_items") {
        guards = [unrecorded];
        writes =
          transaction.items.length === 0
            ? []
            : [{ op: "extend", field: this.field, values: transaction.items }];
      } else {
        const { expectedSuffix, replacement } = transaction;
        const n = expectedSuffix.length;
        const [recorded, stored] = await Promise.all([
          memory.mapGet(this.operationsField, key),
          n === 0 ? [] : memory.getList(this.field, { start: -n }),
        ]);
        if (recorded !== undefined) return this.replayed(recorded, digest);
        if (stored.length !== n || !jsonEqual(stored, expectedSuffix)) {
          throw new UserError("Session history suffix no longer matches the transaction precondition.");
        }
        // The suffix as stored (its exact text) guards the write; n = 0 needs no guard.
        guards = n === 0 ? [unrecorded] : [unrecorded, { field: this.field, endsWith: stored }];
        writes =
          n === 0 && replacement.length === 0
            ? []
            : [
                {
                  op: "splice",
                  field: this.field,
                  start: n === 0 ? Number.MAX_SAFE_INTEGER : -n,
                  deleteCount: n,
                  items: replacement,
                },
              ];
      }
      try {
        await memory.batch([...writes, record], { guards });
        return;
      } catch (err) {
        if (!(err instanceof GuardFailedError)) throw err;
        if (err.guardIndex === 0) {
          const recorded = await memory.mapGet(this.operationsField, key);
          // Undefined: the session was cleared meanwhile; try again.
          if (recorded !== undefined) return this.replayed(recorded, digest);
        }
        // Otherwise the suffix changed after it was read: read it again.
      }
    }
    throw this.conflict("applyHistoryTransaction");
  }

  /** A recorded operation met again: nothing to do if it was this transaction, else UserError. */
  private replayed(recorded: unknown, digest: string): void {
    if (recorded !== digest) {
      throw new UserError("Session history operation was already applied with a different transaction.");
    }
  }

  private conflict(method: string): ConflictError {
    return new ConflictError(
      `${method} on session ${JSON.stringify(this.sessionId)}: the history kept changing under ` +
        `${SESSION_CAS_ATTEMPTS} attempts; nothing changed`,
    );
  }
}

/**
 * Agents: `Envelope` (one inbound unit of work) and `BaseAgent`, the base class of stateless
 * agents that keep their conversation state in convmem.
 */
import { randomUUID } from "node:crypto";
import { ClosedError, ValidationError } from "./errors.js";
import {
  createMemoryManager,
  getMemoryManager,
  MemoryManager,
  type MemoryManagerOptions,
  type MemoryStats,
} from "./manager.js";
import type { ConversationMemory } from "./memory.js";
import type { ChatRole, Schema } from "./types.js";
import { checkConversationId, checkOptions, describe, isPlainObject } from "./validate.js";

/** One message of work for an agent: which conversation, which inbound message, what it carries. */
export interface Envelope {
  /** The conversation this message belongs to (e.g. the sender's phone number). */
  conversationId: string;
  /** Unique id of the inbound message; redeliveries carry the same id. */
  messageId: string;
  /** What the agent works on, e.g. `{ text: "hi" }`. */
  payload: Record<string, unknown>;
  /** Transport details (channel, sender, attempt count, …). */
  metadata?: Record<string, unknown>;
}

/**
 * Builds an {@link Envelope}, checking the conversation id; `messageId` defaults to a fresh UUID.
 *
 * @example
 * ```ts
 * const env = createEnvelope({ conversationId: "sms:+15550001", payload: { text: "hi" } });
 * ```
 */
export function createEnvelope(init: {
  conversationId: string;
  messageId?: string | undefined;
  payload?: Record<string, unknown> | undefined;
  metadata?: Record<string, unknown> | undefined;
}): Envelope {
  if (typeof init !== "object" || init === null) {
    throw new ValidationError(`createEnvelope takes { conversationId, payload }, got ${describe(init)}`);
  }
  checkOptions(init, "createEnvelope", ["conversationId", "messageId", "payload", "metadata"]);
  const conversationId = checkConversationId(init.conversationId);
  const messageId = init.messageId ?? randomUUID();
  if (typeof messageId !== "string" || messageId.length === 0) {
    throw new ValidationError(`messageId must be a non-empty string, got ${describe(messageId)}`);
  }
  const payload = init.payload === undefined ? {} : init.payload;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new ValidationError(`payload must be a plain object, got ${describe(payload)}`);
  }
  if (init.metadata !== undefined && !isPlainObject(init.metadata)) {
    throw new ValidationError(`metadata must be a plain object, got ${describe(init.metadata)}`);
  }
  const env: Envelope = { conversationId, messageId, payload };
  if (init.metadata !== undefined) env.metadata = init.metadata;
  return env;
}

/**
 * Base class of a stateless agent: any worker can process any envelope, because the
 * conversation's state lives in convmem.
 *
 * @example
 * ```ts
 * class EchoAgent extends BaseAgent {
 *   async process(env: Envelope): Promise<Envelope> {
 *     const memory = this.getMemory(env.conversationId);
 *     await memory.addMessage("user", String(env.payload.text), {}, { id: env.messageId });
 *     return { ...env, payload: { text: `echo: ${env.payload.text}` } };
 *   }
 * }
 * ```
 */
export abstract class BaseAgent {
  /** The manager this agent uses. */
  protected readonly manager: MemoryManager;
  /** True when this agent created {@link manager} (from `managerOptions`), so `close()` closes it. */
  private readonly ownsManager: boolean;
  private closed = false;

  /**
   * @param options.manager - the manager to use (it stays yours: `close()` leaves it open).
   * @param options.managerOptions - options of a manager this agent opens for itself and closes
   *   in `close()`; not together with `manager`.
   * Without either, the process's shared manager, {@link getMemoryManager}(), which `close()`
   * leaves open for the other agents: close it with `await getMemoryManager().close()` at shutdown.
   */
  constructor(
    options: {
      manager?: MemoryManager | undefined;
      managerOptions?: MemoryManagerOptions | undefined;
    } = {},
  ) {
    checkOptions(options, "BaseAgent options", ["manager", "managerOptions"], "{ manager }");
    const { manager, managerOptions } = options;
    if (manager !== undefined && !(manager instanceof MemoryManager)) {
      throw new ValidationError(`the manager option must be a MemoryManager, got ${describe(manager)}`);
    }
    if (manager !== undefined && managerOptions !== undefined) {
      throw new ValidationError("pass either manager or managerOptions to BaseAgent, not both");
    }
    this.ownsManager = managerOptions !== undefined;
    this.manager = manager ?? (managerOptions ? createMemoryManager(managerOptions) : getMemoryManager());
  }

  /** Handles one envelope and returns the reply envelope. */
  abstract process(env: Envelope): Promise<Envelope>;

  /** The memory of a conversation (cheap, synchronous). {@link ClosedError} after `close()`. */
  getMemory<S extends Schema = Record<string, unknown>, R extends string = ChatRole>(
    conversationId: string,
  ): ConversationMemory<S, R> {
    if (this.closed) throw new ClosedError("the agent was closed");
    return this.manager.getMemory<S, R>(conversationId);
  }

  /** Deletes a conversation's memory; returns the number of fields removed. */
  cleanupMemory(conversationId: string): Promise<number> {
    if (this.closed) return Promise.reject(new ClosedError("the agent was closed"));
    return this.manager.cleanupConversation(conversationId);
  }

  /** Statistics over every conversation (see {@link MemoryManager.getStats}). */
  getMemoryStats(): Promise<MemoryStats> {
    if (this.closed) return Promise.reject(new ClosedError("the agent was closed"));
    return this.manager.getStats();
  }

  /**
   * Stops this agent: later `getMemory` throws, and `cleanupMemory` / `getMemoryStats` reject
   * with, {@link ClosedError}. Closes the manager only if the agent opened it
   * (`managerOptions`); a manager you passed, and the shared {@link getMemoryManager}(), stay
   * open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsManager) await this.manager.close();
  }
}

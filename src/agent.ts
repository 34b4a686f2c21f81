/**
 * Agents: `Envelope` (one inbound unit of work) and `BaseAgent`, the base class of stateless
 * agents that keep their conversation state in convmem.
 */
import { randomUUID } from "node:crypto";
import { ValidationError } from "./errors.js";
import { getMemoryManager, type MemoryManager, type MemoryStats } from "./manager.js";
import type { ConversationMemory } from "./memory.js";
import type { ChatRole, Schema } from "./types.js";
import { checkConversationId, describe } from "./validate.js";

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
  const conversationId = checkConversationId(init.conversationId);
  const messageId = init.messageId ?? randomUUID();
  if (typeof messageId !== "string" || messageId.length === 0) {
    throw new ValidationError(`messageId must be a non-empty string, got ${describe(messageId)}`);
  }
  const payload = init.payload === undefined ? {} : init.payload;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new ValidationError(`payload must be a plain object, got ${describe(payload)}`);
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

  /** @param options.manager - the manager to use; default {@link getMemoryManager}(). */
  constructor(options: { manager?: MemoryManager | undefined } = {}) {
    this.manager = options.manager ?? getMemoryManager();
  }

  /** Handles one envelope and returns the reply envelope. */
  abstract process(env: Envelope): Promise<Envelope>;

  /** The memory of a conversation (cheap, synchronous). */
  getMemory<S extends Schema = Record<string, unknown>, R extends string = ChatRole>(
    conversationId: string,
  ): ConversationMemory<S, R> {
    return this.manager.getMemory<S, R>(conversationId);
  }

  /** Deletes a conversation's memory; returns the number of fields removed. */
  cleanupMemory(conversationId: string): Promise<number> {
    return this.manager.cleanupConversation(conversationId);
  }

  /** Statistics over every conversation (see {@link MemoryManager.getStats}). */
  getMemoryStats(): Promise<MemoryStats> {
    return this.manager.getStats();
  }
}

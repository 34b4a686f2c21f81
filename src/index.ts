/**
 * convmem — conversation-scoped, Redis-backed shared memory for stateless AI agents.
 *
 * @example
 * ```ts
 * import { createMemoryManager } from "convmem";
 * const manager = createMemoryManager({ redis: "redis://localhost:6379" });
 * const memory = manager.getMemory("conv_123");
 * await memory.addMessage("user", "hi");
 * ```
 * @packageDocumentation
 */
export { BaseAgent, createEnvelope, type Envelope } from "./agent.js";
export type { BatchGuard, BatchOptions, BatchOutcome, BatchWrite } from "./batch.js";
export type { MemoryRecord, RedisCallKind, RedisCalls } from "./call-scope.js";
export { type Codec, jsonCodec, MAX_DEPTH } from "./codec.js";
export {
  ClosedError,
  ConflictError,
  ConvmemError,
  type ErrorCode,
  FieldNotFoundError,
  GuardFailedError,
  ListIndexError,
  MessageNotFoundError,
  OperationIdReusedError,
  redactSecrets,
  SerializationError,
  StoreError,
  StoreUnavailableError,
  ValidationError,
  ValueTooLargeError,
  WrongTypeError,
} from "./errors.js";
export type {
  ManagerEventName,
  OperationEvent,
  OperationListener,
  OperationListenerOptions,
  OperationName,
} from "./events.js";
export { COMPACT_ATTEMPTS, estimateTokens, FIRST_CHUNK } from "./history.js";
export {
  createMemoryManager,
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_TTL,
  getMemoryManager,
  MemoryManager,
  type MemoryManagerOptions,
  type MemoryStats,
} from "./manager.js";
export { DEFAULT_MAP_PAGE, type ManySpec } from "./maps.js";
export { ConversationMemory } from "./memory.js";
export type { Message } from "./messages.js";
export type { ModifyOptions } from "./retry.js";
export { InMemoryStore } from "./store/in-memory.js";
export type { RedisClientLike, RedisClusterLike, RedisInput } from "./store/redis/connection.js";
export { RedisStore, type RedisStoreOptions } from "./store/redis/redis-store.js";
export type {
  AddMessageResult,
  BatchResult,
  CasResult,
  CompactResult,
  ConversationInfo,
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
  StoreGuard,
  StoreWrite,
  SweepStep,
  UpdateMessageResult,
  WriteResult,
} from "./store/store.js";
export type {
  AddMessageOptions,
  AppendOptions,
  ChatRole,
  CleanupOptions,
  CleanupProgress,
  CompactionResult,
  CompactionSummary,
  CompactOptions,
  ConversationsOptions,
  ElementOf,
  FieldOf,
  GetListOptions,
  GetMessagesOptions,
  ListConversationsOptions,
  ListFieldOf,
  MapKeysOptions,
  MapKeysResult,
  MemorySize,
  MessageChanges,
  NumberFieldOf,
  Schema,
  SetOptions,
} from "./types.js";

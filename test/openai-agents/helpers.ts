/** Shared pieces of the `convmem/openai-agents` tests. */
import assert from "node:assert/strict";
import type { AgentInputItem } from "@openai/agents-core";
import { UserError } from "@openai/agents-core";
import { ConvmemSession, type ConvmemSessionOptions } from "../../src/openai-agents/index.js";
import { startCluster } from "../helpers/redis-cluster.js";
import { startRedis } from "../helpers/redis-server.js";
import { freshId, selectedTargets, type Target } from "../helpers/targets.js";

// The SDK's tracing stays off in every test process (the runner reads it at run time).
process.env.OPENAI_AGENTS_DISABLE_TRACING = "1";

/** A user message item, as the SDK's own MemorySession tests build them. */
export const userMessage = (text: string): AgentInputItem => ({
  role: "user",
  content: [{ type: "input_text", text }],
});

/** A new session on a fresh conversation of `target`, optionally seeded with `initialItems`. */
export async function newSession(
  target: Target,
  initialItems: AgentInputItem[] = [],
  options: Partial<ConvmemSessionOptions> = {},
): Promise<ConvmemSession> {
  const session = new ConvmemSession({
    sessionId: freshId("agents"),
    manager: target.newManager(),
    ...options,
  });
  if (initialItems.length > 0) await session.addItems(initialItems);
  return session;
}

/** `promise` rejects with the SDK's `UserError` whose message contains `text`. */
export async function rejectsUser(promise: Promise<unknown>, text: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.ok(
      err.message.includes(text),
      `${JSON.stringify(err.message)} should contain ${JSON.stringify(text)}`,
    );
    return true;
  });
}

/** A Redis backend a test file starts for its child processes (they connect by URL). */
export interface RedisBackend {
  id: "redis" | "cluster";
  name: string;
  start(): Promise<{ url: string; stop(): Promise<void> }>;
}

const REDIS_BACKENDS: Record<RedisBackend["id"], RedisBackend> = {
  redis: {
    id: "redis",
    name: "standalone Redis",
    start: async () => {
      const server = await startRedis();
      return { url: server.url, stop: () => server.stop() };
    },
  },
  cluster: {
    id: "cluster",
    name: "Redis Cluster",
    start: async () => {
      const cluster = await startCluster({ masters: 3 });
      return { url: cluster.url, stop: () => cluster.stop() };
    },
  },
};

/** The Redis targets among `CONVMEM_TEST_TARGETS` (standalone and Cluster). */
export function redisBackends(): RedisBackend[] {
  return selectedTargets()
    .filter((t): t is RedisBackend["id"] => t === "redis" || t === "cluster")
    .map((t) => REDIS_BACKENDS[t]);
}

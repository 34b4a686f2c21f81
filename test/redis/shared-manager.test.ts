/** getMemoryManager(): one shared manager per process, configured from the environment. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BaseAgent, type Envelope, getMemoryManager } from "../../src/index.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

class Agent extends BaseAgent {
  async process(env: Envelope): Promise<Envelope> {
    await this.getMemory(env.conversationId).set("seen", true);
    return env;
  }
}

describe("getMemoryManager", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("uses CONVMEM_REDIS_URL before REDIS_URL, is shared, and is replaced after close()", async () => {
    process.env.REDIS_URL = "redis://127.0.0.1:1"; // would fail if used
    process.env.CONVMEM_REDIS_URL = server.url;
    const manager = getMemoryManager();
    assert.equal(getMemoryManager(), manager, "one manager per process");
    const id = freshId();
    await new Agent().process({ conversationId: id, messageId: "m", payload: {} }); // BaseAgent default
    assert.equal(await manager.getMemory(id).get("seen"), true);
    await manager.close();
    const next = getMemoryManager();
    assert.notEqual(next, manager, "a closed shared manager is replaced");
    assert.equal(await next.getMemory(id).get("seen"), true);
    await next.close();
  });
});

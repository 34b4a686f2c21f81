/**
 * Careless calls from plain JavaScript (issue 14, "Careless calls fail loudly"): a number where
 * an options object belongs, a string where `{ id }` belongs, an unknown option name, a
 * non-function updater, a Map for `update`, a port number for `redis`. Each is a
 * ValidationError naming the argument, thrown before any store call, changing nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BaseAgent,
  createEnvelope,
  createMemoryManager,
  type Envelope,
  InMemoryStore,
  type MemoryStore,
  RedisStore,
  SerializationError,
  ValidationError,
} from "../../src/index.js";
import { bad, freshId, rejectsWith, throwsWith } from "../helpers/targets.js";

/** An InMemoryStore that counts the store calls made through it. */
function countingStore(): { store: MemoryStore; calls: () => number } {
  const real = new InMemoryStore();
  let calls = 0;
  const store = new Proxy(real, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop !== "close") calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}

describe("careless calls fail loudly, before any I/O", () => {
  it("each careless call of the issue is a ValidationError naming the argument; nothing changes", async () => {
    const { store, calls } = countingStore();
    const manager = createMemoryManager({ store });
    const memory = manager.getMemory(freshId());
    await memory.set("k", 1);
    await memory.addMessage("user", "first", {}, { id: "m1" });
    const before = calls();

    await rejectsWith(memory.getMessages(bad(5)), ValidationError, "getMessages options must be an object");
    await rejectsWith(
      memory.addMessage("user", "hi", {}, bad("id")),
      ValidationError,
      'addMessage options must be an object like { id: "msg-1" }, got "id"',
    );
    await rejectsWith(memory.set("k", 2, bad(60)), ValidationError, "set options must be an object");
    await rejectsWith(memory.modify("k", bad(5)), ValidationError, "modify's updater");
    await rejectsWith(
      memory.update(bad(new Map([["k", 3]]))),
      ValidationError,
      "update takes a plain object of fields, got a Map",
    );
    throwsWith(
      () => createMemoryManager(bad({ url: "redis://example:6379" })),
      ValidationError,
      'unknown option "url" in createMemoryManager options (did you mean "redis"?)',
    );
    throwsWith(
      () => createMemoryManager(bad({ redis: 6379 })),
      ValidationError,
      'the redis option must be a URL string such as "redis://localhost:6379"',
    );
    assert.equal(calls(), before, "no store call was made");
    assert.equal(await memory.get("k"), 1);
    assert.deepEqual(
      (await memory.getMessages()).map((m) => m.id),
      ["m1"],
    );
    await manager.close();
  });

  it("unknown option names on every options object, with a did-you-mean for near misses", async () => {
    const { store, calls } = countingStore();
    const manager = createMemoryManager({ store });
    const memory = manager.getMemory(freshId());
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      [
        "set",
        () => memory.set("k", 1, bad({ tll: 5 })),
        'unknown option "tll" in set options (did you mean "ttl"?)',
      ],
      ["append", () => memory.append("l", 1, bad({ maxLen: 5 })), 'did you mean "maxLength"?'],
      ["extend", () => memory.extend("l", [1], bad({ max: 5 })), 'unknown option "max" in extend options'],
      ["getList", () => memory.getList("l", bad({ begin: 0 })), 'unknown option "begin" in getList options'],
      [
        "addMessage",
        () => memory.addMessage("user", "hi", {}, bad({ messageId: "x" })),
        'unknown option "messageId" in addMessage options (did you mean "id"?)',
      ],
      ["getMessages", () => memory.getMessages(bad({ limt: 3 })), 'did you mean "limit"?'],
      ["modify", () => memory.modify("k", (v) => v, bad({ fallbak: 0 })), 'did you mean "fallback"?'],
      ["conversations", () => manager.conversations(bad({ batch: 5 })).next(), 'did you mean "batchSize"?'],
      [
        "cleanupExpiredConversations",
        () => manager.cleanupExpiredConversations(bad({ maxAgeSeconds: 1, dryrun: true })),
        'did you mean "dryRun"?',
      ],
      [
        "cleanupExpiredConversations",
        () => manager.cleanupExpiredConversations(bad(3600)),
        "must be an object",
      ],
      [
        "dryRun",
        () => manager.cleanupExpiredConversations(bad({ maxAgeSeconds: 1, dryRun: "yes" })),
        "dryRun",
      ],
      [
        "onProgress",
        () => manager.cleanupExpiredConversations(bad({ maxAgeSeconds: 1, onProgress: 1 })),
        "onProgress",
      ],
    ];
    for (const [what, call, message] of cases) {
      await assert.doesNotReject(async () => rejectsWith(call(), ValidationError, message), what);
    }
    const sync: Array<[() => unknown, string]> = [
      [() => createMemoryManager(bad({ prefix: "x", store })), 'did you mean "keyPrefix"?'],
      [() => createMemoryManager(bad({ keyPrefx: "x", store })), 'did you mean "keyPrefix"?'],
      [() => createMemoryManager(bad({ timeout: 5, store })), 'did you mean "timeoutMs"?'],
      [
        () => createMemoryManager(bad({ timeoutMs: "5s", store })),
        'timeoutMs must be a positive number of milliseconds, got "5s"',
      ],
      [() => createMemoryManager(bad({ store: {} })), "the store option must be a MemoryStore"],
      [
        () => createMemoryManager(bad({ store, codec: JSON })),
        "the codec option must have encode and decode",
      ],
      [() => createMemoryManager(bad(5)), "createMemoryManager options must be an object"],
      [
        () => new RedisStore(bad({ url: "redis://x" })),
        'unknown option "url" in RedisStore options (did you mean "redis"?)',
      ],
      [() => new RedisStore(bad({ durability: { replica: 1 } })), 'did you mean "replicas"?'],
      [() => createEnvelope(bad({ conversationId: "c", payloads: {} })), 'did you mean "payload"?'],
      [() => createEnvelope(bad({ conversationId: "c", metadata: "x" })), "metadata must be a plain object"],
    ];
    for (const [call, message] of sync) throwsWith(call, ValidationError, message);
    assert.equal(calls(), 0, "no store call was made");
    await manager.close();
  });

  it("BaseAgent options are checked the same way", () => {
    class Echo extends BaseAgent {
      async process(env: Envelope): Promise<Envelope> {
        return env;
      }
    }
    throwsWith(() => new Echo(bad({ manger: undefined })), ValidationError, 'did you mean "manager"?');
    throwsWith(
      () => new Echo(bad({ manager: {} })),
      ValidationError,
      "the manager option must be a MemoryManager",
    );
    const manager = createMemoryManager({ store: new InMemoryStore() });
    throwsWith(
      () => new Echo({ manager, managerOptions: { store: new InMemoryStore() } }),
      ValidationError,
      "either manager or managerOptions",
    );
  });

  it("update() serialization errors name the field and the path; nothing is written", async () => {
    const { store, calls } = countingStore();
    const memory = createMemoryManager({ store }).getMemory(freshId());
    try {
      await memory.update({ a: 1, b: { c: undefined } });
      assert.fail("update resolved");
    } catch (err) {
      assert.ok(err instanceof SerializationError, String(err));
      assert.equal(err.path, "$.c");
      assert.equal(err.field, "b");
      assert.match(err.message, /cannot store undefined at \$\.c of field "b" of conversation "conv-/);
    }
    await rejectsWith(memory.set("d", bad({ when: new Date(0) })), SerializationError, '$.when of field "d"');
    await rejectsWith(memory.append("l", bad({ n: 1n })), SerializationError, '$.n of field "l"');
    await rejectsWith(memory.extend("l", bad([1, Number.NaN])), SerializationError, '$[1] of field "l"');
    await rejectsWith(memory.remove("l", bad({ f: () => 1 })), SerializationError, '$.f of field "l"');
    assert.equal(calls(), 0);
  });
});

/**
 * The plain `get` and `has` (issue 13), on a real redis-server: `get` is one plain MGET of the
 * conversation's liveness key and the field's key, exact because the liveness key exists exactly
 * while the conversation lives (its expiry is the deadline − 1, moved by every write) and names
 * the fields that may be lists or maps. Checked here: the liveness key's expiry and value; a get
 * of a scalar or of a missing field is one MGET; a get of a list, a map or the history, of a
 * conversation that is not live, or of one written before the liveness key existed, is answered
 * by the function; a pinned field outliving its conversation is still read; names with newlines
 * and backslashes; call order behind a fallback; an ACL without `mget` falls back clearly.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager, type OperationEvent } from "../../src/index.js";
import { sleep } from "../../src/testing/helpers.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

type Raw = ReturnType<typeof createClient>;

describe("plain get (standalone redis-server)", () => {
  let server: RedisServer;
  let raw: Raw;
  const managers: MemoryManager[] = [];
  const open = (keyPrefix: string, defaultTtl: number | null = 60, redis?: string) => {
    const manager = createMemoryManager({ redis: redis ?? server.url, keyPrefix, defaultTtl });
    managers.push(manager);
    return manager;
  };
  /** `operation:kinds` of every operation of `manager` from now on, in settling order. */
  const calls = (manager: MemoryManager): string[] => {
    const seen: string[] = [];
    manager.on("operation", (e: OperationEvent) =>
      seen.push(`${e.operation}:${Object.keys(e.calls).sort().join("+")}`),
    );
    return seen;
  };
  const live = (prefix: string, id: string) => `${prefix}:live:{${id}}`;

  before(async () => {
    server = await startRedis();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await raw.quit();
    await server.stop();
  });

  it("the liveness key expires at the deadline − 1, moved by every write, and names containers", async () => {
    const prefix = `lk-${randomUUID()}`;
    const memory = open(prefix).getMemory("c1");
    await memory.set("prefs", { a: 1 });
    assert.equal(await raw.get(live(prefix, "c1")), "1\n", "no list or map yet");
    const t0 = Number(await raw.sendCommand(["PEXPIRETIME", live(prefix, "c1")]));
    await sleep(20);
    const before = Date.now();
    await memory.set("prefs", { a: 2 });
    const t1 = Number(await raw.sendCommand(["PEXPIRETIME", live(prefix, "c1")]));
    assert.ok(t1 >= t0 + 15, `moved: ${t0} -> ${t1}`);
    assert.ok(t1 >= before + 60_000 - 1 - 5 && t1 <= Date.now() + 60_000, `${t1}`);
    await memory.addMessage("user", "hi");
    await memory.mapSet("profile", "name", "Ada");
    await memory.append("todo", "x");
    await memory.append("todo", "y");
    assert.equal(await raw.get(live(prefix, "c1")), "1\nmessages\nprofile\ntodo\n", "each named once");
    const history = Number(await raw.sendCommand(["PEXPIRETIME", `${prefix}:conv:{c1}:messages`]));
    assert.equal(Number(await raw.sendCommand(["PEXPIRETIME", live(prefix, "c1")])), history);
  });

  it("a scalar and a missing field are one MGET; lists, maps and the history the function", async () => {
    const manager = open(`g-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.addMessage("user", "hi", {}, { id: "m1" });
    await memory.set("prefs", { lang: "pt" });
    await memory.set("list", [1, 2]);
    await memory.mapSet("map", "k", 1);
    await memory.set("empty", []);
    const seen = calls(manager);
    assert.deepEqual(await memory.get("prefs"), { lang: "pt" });
    assert.equal(await memory.get("missing", "dflt"), "dflt");
    assert.deepEqual(await memory.get("empty"), []);
    assert.deepEqual(await memory.get("list"), [1, 2]);
    assert.deepEqual(await memory.get("map"), { k: 1 });
    assert.equal(((await memory.get("messages")) as unknown[] | undefined)?.length, 1);
    assert.equal(await memory.has("prefs"), true);
    assert.equal(await memory.has("missing"), false);
    assert.equal(await memory.has("list"), true);
    assert.deepEqual(seen, [
      "get:mget",
      "get:mget",
      "get:mget", // the empty-list marker is a string: the same value the function reads
      "get:fcall+mget",
      "get:fcall+mget",
      "get:fcall+mget",
      "has:mget", // has reads the same way
      "has:mget",
      "has:fcall+mget",
    ]);
  });

  it("a conversation that is not live is answered by the function, and is never read stale", async () => {
    const prefix = `ex-${randomUUID()}`;
    const manager = open(prefix, 1);
    const memory = manager.getMemory("c1");
    const seen = calls(manager);
    assert.equal(await memory.get("prefs"), undefined, "never written");
    await memory.set("prefs", 1);
    await memory.set("kept", "pinned", { ttl: 600 });
    assert.equal(await memory.get("prefs"), 1);
    await sleep(1100);
    // The field key of `prefs` may outlive the conversation (its expiry is renewed lazily); the
    // liveness key does not.
    assert.equal(await raw.exists(live(prefix, "c1")), 0);
    assert.equal(await memory.get("prefs"), undefined, "expired with the conversation");
    assert.equal(await memory.get("kept"), "pinned", "a pinned field outlives it");
    assert.deepEqual(seen, [
      "get:fcall+function_load+mget",
      "set:fcall",
      "set:fcall",
      "get:mget",
      "get:fcall+mget",
      "get:fcall+mget",
    ]);
  });

  it("a pinned scalar in a live conversation is one MGET, and expires exactly", async () => {
    const manager = open(`pin-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.set("prefs", 1);
    await memory.set("otp", "1234", { ttl: 1 });
    const seen = calls(manager);
    assert.equal(await memory.get("otp"), "1234");
    await sleep(1100);
    assert.equal(await memory.get("otp"), undefined);
    assert.deepEqual(seen, ["get:mget", "get:mget"]);
  });

  it("field names with newlines and backslashes are told apart", async () => {
    const manager = open(`esc-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.append("a\nb", 1);
    await memory.append("c\\", 2);
    await memory.set("a", "scalar a");
    const seen = calls(manager);
    assert.deepEqual(await memory.get("a\nb"), [1]);
    assert.deepEqual(await memory.get("c\\"), [2]);
    assert.equal(await memory.get("a"), "scalar a");
    assert.equal(await memory.get("b"), undefined);
    assert.equal(await memory.get("c"), undefined);
    assert.deepEqual(seen, ["get:fcall+mget", "get:fcall+mget", "get:mget", "get:mget", "get:mget"]);
  });

  it("a conversation written before the liveness key existed is read by the function", async () => {
    const prefix = `old-${randomUUID()}`;
    const manager = open(prefix);
    const memory = manager.getMemory("c1");
    await memory.append("list", 1);
    await memory.set("prefs", 1);
    // As an earlier version left it: no liveness key, none recorded in meta.
    await raw.del(live(prefix, "c1"));
    await raw.hDel(`${prefix}:meta:{c1}`, "k");
    const seen = calls(manager);
    assert.equal(await memory.get("prefs"), 1);
    await memory.set("other", 2); // the first write: which fields are lists is not known
    assert.equal(await raw.get(live(prefix, "c1")), "*");
    assert.deepEqual(await memory.get("list"), [1]);
    assert.equal(await memory.get("missing"), undefined);
    assert.deepEqual(seen, ["get:fcall+mget", "set:fcall", "get:fcall+mget", "get:fcall+mget"]);
  });

  it("a get that falls back is not overtaken by a later call of this manager", async () => {
    const manager = open(`ord-${randomUUID()}`);
    const memory = manager.getMemory("c1");
    await memory.set("list", [1]);
    const [before, , afterwards] = await Promise.all([
      memory.get("list"),
      memory.set("list", [2]),
      memory.get("list"),
    ]);
    assert.deepEqual(before, [1]);
    assert.deepEqual(afterwards, [2]);
  });

  it("a clear removes the liveness key; the next write starts it over", async () => {
    const prefix = `clr-${randomUUID()}`;
    const memory = open(prefix).getMemory("c1");
    await memory.append("list", 1);
    await memory.clearAll();
    assert.equal(await raw.exists(live(prefix, "c1")), 0);
    await memory.set("list", "now a scalar");
    assert.equal(await raw.get(live(prefix, "c1")), "1\n");
    assert.equal(await memory.get("list"), "now a scalar");
  });

  it("an ACL without mget: get is the function, clearly", async () => {
    const user = `nomget-${randomUUID().slice(0, 8)}`;
    await raw.sendCommand(["ACL", "SETUSER", user, "on", ">pw", "~*", "+@all", "-mget"]);
    const manager = open(`acl-${randomUUID()}`, 60, server.url.replace("redis://", `redis://${user}:pw@`));
    const memory = manager.getMemory("c1");
    await memory.set("prefs", 1);
    const seen = calls(manager);
    assert.equal(await memory.get("prefs"), 1);
    assert.equal(await memory.get("prefs"), 1);
    assert.deepEqual(seen, ["get:fcall+mget", "get:fcall"]);
  });
});

/**
 * The operations as a Redis 7 Functions library, against real redis-servers: its versioned
 * name, loaded once per server on demand (right ahead of the first call, so calls issued
 * together keep their order), loaded again after `FUNCTION FLUSH`, side by side with another
 * version's library, and on every master of a Cluster.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager } from "../../src/index.js";
import { loadScripts } from "../../src/store/redis/scripts.js";
import { type RedisCluster, startCluster } from "../helpers/redis-cluster.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";
import { freshId } from "../helpers/targets.js";

type Raw = ReturnType<typeof createClient>;
/** Enough of a client to send one command. */
interface Sender {
  sendCommand(args: string[]): Promise<unknown>;
}

/** The library names loaded on the server behind `raw`. */
async function libraries(raw: Sender): Promise<string[]> {
  const list = (await raw.sendCommand(["FUNCTION", "LIST"])) as unknown[];
  const nameOf = (entry: unknown): string => {
    if (Array.isArray(entry)) return String(entry[entry.indexOf("library_name") + 1]);
    if (entry instanceof Map) return String(entry.get("library_name"));
    return String((entry as Record<string, unknown>).library_name);
  };
  return list.map(nameOf).sort();
}

/** Calls of `command` (e.g. `function|load`) in INFO commandstats. */
async function calls(raw: Sender, command: string): Promise<number> {
  const info = String(await raw.sendCommand(["INFO", "commandstats"]));
  return Number(new RegExp(`cmdstat_${command.replace("|", "\\|")}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe("Functions library", { concurrency: false }, () => {
  let server: RedisServer;
  let raw: Raw;
  const managers: MemoryManager[] = [];
  const open = () => {
    const m = createMemoryManager({ redis: server.url, defaultTtl: 600 });
    managers.push(m);
    return m;
  };

  before(async () => {
    server = await startRedis();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  after(async () => {
    for (const m of managers) await m.close();
    await raw.close();
    await server.stop();
  });

  it("is named convmem_<hash of its whole source>, one function per operation", () => {
    const { library, ops } = loadScripts();
    // The hash covers everything after the header, the library's own name left out.
    const body = library.source
      .slice(library.source.indexOf("\n") + 1)
      .replaceAll(library.name, "\0library\0");
    const hash = createHash("sha1").update(body).digest("hex").slice(0, 12);
    assert.equal(library.name, `convmem_${hash}`);
    assert.ok(library.source.startsWith(`#!lua name=${library.name}\n`));
    for (const op of Object.values(ops)) assert.equal(op.fn, `${library.name}_${op.name}`);
  });

  it("is loaded once, ahead of the first calls, which keep their order", async () => {
    await raw.sendCommand(["FUNCTION", "FLUSH"]);
    await raw.configResetStat();
    const m = open().getMemory(freshId());
    // Issued together on a server without the library: each takes effect in call order.
    const results = await Promise.all([
      m.set("n", 1),
      ...Array.from({ length: 30 }, () => m.incr("n")),
      ...Array.from({ length: 20 }, (_, i) => m.append("log", i)),
      m.get("n"),
    ]);
    assert.deepEqual(
      results.slice(1, 31),
      Array.from({ length: 30 }, (_, i) => i + 2),
    );
    assert.equal(results.at(-1), 31);
    assert.deepEqual(
      await m.getList("log"),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(await calls(raw, "function|load"), 1, "one FUNCTION LOAD");
    assert.equal((await calls(raw, "eval")) + (await calls(raw, "evalsha")), 0, "no script fallback");
    assert.deepEqual(await libraries(raw), [loadScripts().library.name]);
  });

  it("is loaded again when the server lost it (FUNCTION FLUSH), nothing lost", async () => {
    const m = open().getMemory(freshId());
    await m.set("a", 1);
    await raw.sendCommand(["FUNCTION", "FLUSH"]);
    assert.deepEqual(await libraries(raw), []);
    assert.equal(await m.incr("a"), 2);
    await m.addMessage("user", "after the flush", {}, { id: "m1" });
    assert.deepEqual(
      (await m.getMessages()).map((x) => x.id),
      ["m1"],
    );
    assert.deepEqual(await libraries(raw), [loadScripts().library.name]);
  });

  it("runs side by side with another version's library, neither replacing the other", async () => {
    const { library } = loadScripts();
    // Another version: other source, so another hash, another library and function names.
    const other = "convmem_000000000000";
    const source = library.source
      .replaceAll(library.name, other)
      .replace("local REG_EVERY = 10000", "local REG_EVERY = 10001");
    await raw.sendCommand(["FUNCTION", "LOAD", source]);
    const m = open().getMemory(freshId());
    await m.set("v", "mine");
    assert.deepEqual(await libraries(raw), [other, library.name].sort());
    // The other version's functions work on the same data layout, and leave ours in place.
    assert.equal(await m.get("v"), "mine");
    await raw.sendCommand(["FUNCTION", "DELETE", other]);
    assert.deepEqual(await libraries(raw), [library.name]);
    assert.equal(await m.get("v"), "mine");
  });
});

describe("Functions library on Cluster", { concurrency: false }, () => {
  let cluster: RedisCluster;
  let manager: MemoryManager;

  before(async () => {
    cluster = await startCluster({ masters: 3 });
    manager = createMemoryManager({ redis: { cluster: { rootNodes: cluster.rootNodes } } });
  });
  after(async () => {
    await manager.close();
    await cluster.stop();
  });

  it("is loaded on every master that serves a conversation", async () => {
    const ids = Array.from({ length: 60 }, () => freshId());
    await Promise.all(ids.map((id) => manager.getMemory(id).set("x", id)));
    for (const id of ids) assert.equal(await manager.getMemory(id).get("x"), id);
    for (const node of cluster.rootNodes) {
      const raw = createClient({ url: node.url });
      await raw.connect();
      try {
        const role = String(((await raw.sendCommand(["ROLE"])) as unknown as unknown[])[0]);
        if (role === "master") assert.deepEqual(await libraries(raw), [loadScripts().library.name], node.url);
      } finally {
        await raw.close();
      }
    }
  });
});

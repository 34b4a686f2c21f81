/**
 * `export` and `import` through the built CLI against a real redis-server: a round trip into a
 * new id gives an identical conversation; importing over existing fields needs --force.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ConversationMemory, MemoryManager } from "../../src/index.js";
import { parseJson, runCli, useCliRedis } from "../helpers/cli.js";
import { freshId } from "../helpers/targets.js";

describe("convmem export / import", () => {
  const redis = useCliRedis();
  let manager: MemoryManager;
  let dir: string;
  const cli = (args: string[], input?: string) =>
    runCli([...args, "--url", redis.url], input === undefined ? {} : { input });

  before(() => {
    manager = redis.manager();
    dir = mkdtempSync(join(tmpdir(), "convmem-cli-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function seed(id: string): Promise<ConversationMemory> {
    const memory = manager.getMemory(id);
    await memory.set("prefs", { language: "en", style: "short", n: -1.5e-7, deep: { a: [null, true] } });
    await memory.set("empty_list", []);
    await memory.set("__proto__", { polluted: false });
    await memory.extend("log", [{ action: "login" }, "text", 42]);
    await memory.incr("replies", 3);
    await memory.addMessage("user", "Weather?", { channel: "sms" }, { id: "sms-4711" });
    await memory.addMessage("assistant", "Sunny, 21°C. 🌞\nBye \u2028");
    return memory;
  }

  async function assertSameConversation(a: ConversationMemory, b: ConversationMemory): Promise<void> {
    assert.deepEqual(await b.items(), await a.items());
    assert.equal(await b.getMessageCount(), await a.getMessageCount());
    assert.deepEqual(await b.getMessages(), await a.getMessages());
  }

  it("export then import into a new id gives an identical conversation", async () => {
    const source = await seed(freshId("src"));
    const exported = await cli(["export", source.conversationId]);
    assert.equal(exported.code, 0, exported.stderr);
    const doc = parseJson(exported.stdout) as Record<string, unknown>;
    assert.equal(doc.format, "convmem-export");
    assert.equal(doc.version, 1);
    assert.equal(doc.conversationId, source.conversationId);
    assert.ok(typeof doc.ttl === "number" && doc.ttl > 3500 && doc.ttl <= 3600);
    assert.deepEqual(doc.fields, Object.fromEntries(await source.items()));

    const file = join(dir, "export.json");
    writeFileSync(file, exported.stdout);
    const target = manager.getMemory(freshId("dst"));
    const imported = await cli(["import", file, "--id", target.conversationId]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported 6 fields into dst-/);
    await assertSameConversation(source, target);
    const ttl = await target.getTtl();
    assert.ok(typeof ttl === "number" && Math.abs(ttl - (doc.ttl as number)) <= 2, `ttl ${ttl}`);
    // The message ids came along: a redelivered message is still recognised.
    await target.addMessage("user", "Weather?", { channel: "sms" }, { id: "sms-4711" });
    assert.equal(await target.getMessageCount(), 2);
  });

  it("export --out writes the file; import reads it, or stdin with -", async () => {
    const source = await seed(freshId("src"));
    await source.setTtl(null);
    const file = join(dir, "out.json");
    const exported = await cli(["export", source.conversationId, "--out", file, "--json"]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(parseJson(exported.stdout), {
      conversationId: source.conversationId,
      file,
      totalFields: 6,
      ttl: null,
    });
    const text = readFileSync(file, "utf8");
    assert.equal((parseJson(text) as { ttl: unknown }).ttl, null);

    const target = manager.getMemory(freshId("dst"));
    const viaStdin = await cli(["import", "-", "--id", target.conversationId, "--json"], text);
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    assert.deepEqual(parseJson(viaStdin.stdout), {
      conversationId: target.conversationId,
      totalFields: 6,
      ttl: null,
    });
    await assertSameConversation(source, target);
    assert.equal(await target.getTtl(), null);
  });

  it("import without --id restores the exported id", async () => {
    const source = await seed(freshId("src"));
    const file = join(dir, "restore.json");
    assert.equal((await cli(["export", source.conversationId, "--out", file])).code, 0);
    const before = await source.items();
    assert.equal(await manager.cleanupConversation(source.conversationId), 6);
    const restored = await cli(["import", file]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await source.items(), before);
  });

  it("import into a conversation that has fields fails without --force and replaces it with --force", async () => {
    const source = await seed(freshId("src"));
    const file = join(dir, "force.json");
    assert.equal((await cli(["export", source.conversationId, "--out", file])).code, 0);
    const target = manager.getMemory(freshId("dst"));
    await target.set("stale", "old value");

    const refused = await cli(["import", file, "--id", target.conversationId]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already has 1 fields; use --force/);
    assert.deepEqual(await target.items(), [["stale", "old value"]]);

    const forced = await cli(["import", file, "--id", target.conversationId, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await target.has("stale"), false);
    await assertSameConversation(source, target);
  });

  it("export of a missing conversation and import of a bad file fail with exit 1", async () => {
    const missing = await cli(["export", "no-such-conversation"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
    assert.equal(missing.stdout, "");

    const cases: Array<[string, RegExp]> = [
      ["{not json", /is not JSON/],
      [JSON.stringify({ format: "other", version: 1 }), /"format" must be "convmem-export"/],
      [
        JSON.stringify({ format: "convmem-export", version: 2, conversationId: "x", fields: {} }),
        /unsupported version 2/,
      ],
      [
        JSON.stringify({ format: "convmem-export", version: 1, conversationId: "x", fields: [] }),
        /"fields" must be an object/,
      ],
    ];
    for (const [content, message] of cases) {
      const file = join(dir, "bad.json");
      writeFileSync(file, content);
      const result = await cli(["import", file, "--id", freshId()]);
      assert.equal(result.code, 1, content);
      assert.match(result.stderr, message);
    }
    const absent = await cli(["import", join(dir, "absent.json")]);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /cannot read .*absent\.json: ENOENT/);
  });
});

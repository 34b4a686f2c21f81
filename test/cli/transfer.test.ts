/**
 * `export` and `import` through the built CLI against a real redis-server: a round trip into a
 * new id gives an identical conversation; importing over existing fields needs --force.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ConversationMemory, type MemoryManager, WrongTypeError } from "../../src/index.js";
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
    assert.equal(doc.version, 2);
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

  it("map fields round-trip as map fields (listed under maps); an object value stays a value", async () => {
    const source = manager.getMemory(freshId("src"));
    await source.mapSet("checkpoints", "cp-1", { step: 1 });
    await source.mapSet("checkpoints", "cp-2", { step: 2, blob: new Uint8Array([1, 2, 255]) });
    await source.set("prefs", { lang: "en" });
    const exported = await cli(["export", source.conversationId]);
    assert.equal(exported.code, 0, exported.stderr);
    const doc = parseJson(exported.stdout) as Record<string, unknown>;
    assert.deepEqual(doc.maps, ["checkpoints"]);
    const file = join(dir, "maps.json");
    writeFileSync(file, exported.stdout);
    const target = manager.getMemory(freshId("dst"));
    const imported = await cli(["import", file, "--id", target.conversationId]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(await target.mapSize("checkpoints"), 2);
    assert.deepEqual(await target.mapGet("checkpoints", "cp-2"), {
      step: 2,
      blob: new Uint8Array([1, 2, 255]),
    });
    assert.deepEqual(await target.get("prefs"), { lang: "en" });
    await assert.rejects(target.mapSize("prefs"), WrongTypeError);
    await assertSameConversation(source, target);
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

  it("bytes and lookalikes survive export, import and show --json; show prints the stored form", async () => {
    const source = manager.getMemory(freshId("src"));
    const png = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff);
    await source.set("png", png);
    await source.set("$bytes", "a field named like the tag");
    await source.set("lookalike", { $bytes: "AQI=" });
    await source.set("escaped", { $escaped: { $bytes: new Uint8Array([1, 2]) } });
    await source.extend("parts", [new Uint8Array(0), { data: Buffer.from("hi") }]);
    await source.addMessage("user", "see attached", { image: new Uint8Array([137, 80]) }, { id: "m1" });

    const exported = await cli(["export", source.conversationId]);
    assert.equal(exported.code, 0, exported.stderr);
    const doc = parseJson(exported.stdout) as { fields: Record<string, unknown> };
    assert.deepEqual(doc.fields.png, { $bytes: Buffer.from(png).toString("base64") });
    assert.equal(doc.fields.$bytes, "a field named like the tag", "field names are never escaped");
    assert.deepEqual(doc.fields.lookalike, { $escaped: { $bytes: "AQI=" } });
    assert.deepEqual(doc.fields.parts, [{ $bytes: "" }, { data: { $bytes: "aGk=" } }]);

    const file = join(dir, "bytes.json");
    writeFileSync(file, exported.stdout);
    const target = manager.getMemory(freshId("dst"));
    const imported = await cli(["import", file, "--id", target.conversationId]);
    assert.equal(imported.code, 0, imported.stderr);
    await assertSameConversation(source, target);
    const back = await target.get("png");
    assert.ok(back instanceof Uint8Array && Buffer.from(back).equals(png), "the same bytes");
    assert.deepEqual(await target.get("lookalike"), { $bytes: "AQI=" });
    assert.deepEqual((await target.getMessages())[0]?.metadata, { image: new Uint8Array([137, 80]) });
    assert.deepEqual((await target.getMemorySize()).fields, (await source.getMemorySize()).fields);

    const shown = await cli(["show", target.conversationId, "--json"]);
    assert.equal(shown.code, 0, shown.stderr);
    const fields = (parseJson(shown.stdout) as { fields: Record<string, unknown> }).fields;
    assert.deepEqual(fields.png, doc.fields.png);
    assert.deepEqual(fields.escaped, doc.fields.escaped);
    const table = await cli(["show", target.conversationId, "--full"]);
    assert.match(table.stdout, /lookalike +\d+ +\{"\$escaped":\{"\$bytes":"AQI="\}\}/);
    assert.match(table.stdout, /parts +\d+ +\[\{"\$bytes":""\},\{"data":\{"\$bytes":"aGk="\}\}\]/);
    const messages = await cli(["messages", target.conversationId, "--json"]);
    assert.deepEqual((parseJson(messages.stdout) as Array<{ metadata: unknown }>)[0]?.metadata, {
      image: { $bytes: "iVA=" },
    });
  });

  it("a version 1 document (before bytes) imports its values as plain JSON", async () => {
    const file = join(dir, "v1.json");
    const fields = { a: { $bytes: "AQI=" }, b: { $escaped: { $bytes: "AA==" } }, n: [1] };
    writeFileSync(
      file,
      JSON.stringify({ format: "convmem-export", version: 1, conversationId: "x", fields }),
    );
    const target = manager.getMemory(freshId("dst"));
    const imported = await cli(["import", file, "--id", target.conversationId]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(Object.fromEntries(await target.items()), fields);
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
        JSON.stringify({ format: "convmem-export", version: 3, conversationId: "x", fields: {} }),
        /unsupported version 3 \(this convmem reads 1 and 2\)/,
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

/**
 * `stats`, `list`, `show`, `messages` and `ttl` through the built CLI against a real
 * redis-server; every test writes under its own key prefix, so totals are exact.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateTokens, type Message } from "../../src/index.js";
import { parseJson, useCliRedis } from "../helpers/cli.js";
import { freshId } from "../helpers/targets.js";

describe("convmem stats, list, show, messages, ttl", () => {
  const redis = useCliRedis();
  const namespace = () => redis.namespace();

  it("stats prints totals, as a table and as JSON", async () => {
    const { manager, cli } = namespace();
    await manager.getMemory("a").update({ x: 1, y: "two" });
    await manager.getMemory("b").addMessage("user", "hello");
    const expected = await manager.getStats();
    const bytes = expected.conversations.reduce((n, c) => n + c.totalSizeBytes, 0);
    const human = await cli("stats");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^conversations\s+2$/m);
    assert.match(human.stdout, /^fields\s+3$/m);
    assert.match(human.stdout, new RegExp(`^bytes\\s+${bytes} `, "m"));
    const json = await cli("stats", "--json");
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(parseJson(json.stdout), {
      totalConversations: 2,
      totalFields: 3,
      totalSizeBytes: bytes,
    });
  });

  it("list shows every conversation with fields, bytes and ISO last activity; --limit caps it", async () => {
    const { manager, cli } = namespace();
    const ids = ["conv one", "conv:{two}", "conv-3"];
    for (const [i, id] of ids.entries()) await manager.getMemory(id).update({ n: i, s: "x".repeat(i) });
    const human = await cli("list");
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^ID\s+FIELDS\s+BYTES\s+LAST ACTIVITY$/);
    assert.equal(lines.length, 4);
    for (const id of ids) {
      const line = lines.find((l) => l.startsWith(`${id} `));
      assert.ok(line, `a row for ${id}`);
      assert.match(line, /\s2\s+\d+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const json = await cli("list", "--json");
    const rows = parseJson(json.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => r.conversationId).sort(), [...ids].sort());
    for (const row of rows) {
      assert.equal(row.totalFields, 2);
      // The library's unit: ms since the epoch.
      const at = row.lastActivity;
      assert.ok(
        typeof at === "number" && Math.abs(Date.now() - at) < 60_000,
        `lastActivity ${String(at)} is recent`,
      );
    }
    const limited = await cli("list", "--limit", "2", "--json");
    assert.equal((parseJson(limited.stdout) as unknown[]).length, 2);
    const limitedHuman = await cli("list", "--limit", "1");
    assert.equal(limitedHuman.stdout.trimEnd().split("\n").length, 2);
  });

  it("show prints every field and value, the TTL and the size", async () => {
    const { manager, cli } = namespace();
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.set("prefs", { language: "en", nested: [1, 2] });
    await memory.append("log", { action: "login" });
    await memory.addMessage("user", "hi there");
    const human = await cli("show", id);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^conversation\\s+${id}$`, "m"));
    assert.match(human.stdout, /^ttl\s+(3600|3599) s/m);
    assert.match(human.stdout, /^fields\s+3$/m);
    assert.match(human.stdout, /^prefs\s+\d+\s+\{"language":"en","nested":\[1,2\]\}$/m);
    assert.match(human.stdout, /^log\s+\d+\s+\[\{"action":"login"\}\]$/m);
    assert.match(human.stdout, /^messages\s+\d+\s+\[\{"id":.*"content":"hi there"/m);
    const json = await cli("show", id, "--json");
    const doc = parseJson(json.stdout) as Record<string, unknown>;
    assert.deepEqual(doc.fields, Object.fromEntries(await memory.items()));
    assert.deepEqual(doc.sizes, (await memory.getMemorySize()).fields);
    assert.equal(doc.totalFields, 3);
    assert.ok(typeof doc.ttl === "number" && doc.ttl > 3500 && doc.ttl <= 3600);
  });

  it("show of a missing conversation fails with exit 1", async () => {
    const { cli } = namespace();
    const result = await cli("show", "no-such-conversation");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /conversation "no-such-conversation" not found/);
    assert.equal(result.stdout, "");
  });

  it("messages prints one line per message (time, role, content); --limit keeps the last N", async () => {
    const { manager, cli } = namespace();
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.addMessage("user", "first");
    await memory.addMessage("assistant", "second\nline");
    await memory.addMessage("user", "third");
    const all = await cli("messages", id);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\s+user\s+first$/);
    assert.match(lines[1] ?? "", /\sassistant\s+second\\nline$/);
    const last2 = await cli("messages", id, "--limit", "2");
    assert.deepEqual(
      last2.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/).at(-1)),
      ["second\\nline", "third"],
    );
    const json = await cli("messages", id, "--json", "--limit", "2");
    assert.deepEqual(parseJson(json.stdout), await memory.getMessages({ limit: 2 }));
  });

  it("messages --before pages back, --max-tokens fits a budget; an unknown --before id exits 1", async () => {
    const { manager, cli } = namespace();
    const id = freshId();
    const memory = manager.getMemory(id);
    for (let i = 0; i < 6; i++) await memory.addMessage("user", `m${i}`, {}, { id: `id${i}` });
    const page = await cli("messages", id, "--before", "id4", "--limit", "2", "--json");
    assert.equal(page.code, 0, page.stderr);
    assert.deepEqual(parseJson(page.stdout), await memory.getMessages({ before: "id4", limit: 2 }));
    const budget = estimateTokens((await memory.getMessages({ limit: 1 }))[0] as Message) * 2;
    const fits = await cli("messages", id, "--max-tokens", String(budget));
    assert.equal(fits.code, 0, fits.stderr);
    assert.deepEqual(
      fits.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/).at(-1)),
      ["m4", "m5"],
    );
    const unknown = await cli("messages", id, "--before", "nope", "--json");
    assert.equal(unknown.code, 1);
    assert.equal(
      (parseJson(unknown.stderr) as { error: { code: string } }).error.code,
      "ERR_MESSAGE_NOT_FOUND",
    );
    const bad = await cli("messages", id, "--max-tokens", "-3");
    assert.equal(bad.code, 2, bad.stderr);
  });

  it("messages prints the adapters' histories under their own headings (agent items, UI messages, --field)", async () => {
    const { manager, cli } = namespace();
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.addMessage("user", "plain history");
    await memory.extend("agent_items", [
      { type: "message", role: "user", content: "What is the weather?" },
      { type: "function_call", name: "get_weather", arguments: '{"city":"Oslo"}', callId: "c1" },
      {
        type: "function_call_result",
        name: "get_weather",
        callId: "c1",
        output: { type: "text", text: "sunny" },
      },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "It is sunny." }] },
    ]);
    await memory.extend("ui_messages", [
      { id: "u1", role: "user", parts: [{ type: "text", text: "hi" }] },
      {
        id: "a1",
        role: "assistant",
        parts: [{ type: "step-start" }, { type: "text", text: "hello" }, { type: "text", text: "there" }],
      },
    ]);
    await memory.extend("my_items", [{ type: "message", role: "user", content: "custom field" }]);
    const out = await cli("messages", id, "--field", "my_items");
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.filter((l) => l.startsWith("==")),
      [
        "== messages ==",
        "== agent items (agent_items) ==",
        "== UI messages (ui_messages) ==",
        "== my_items (my_items) ==",
      ],
    );
    assert.ok(
      lines.some((l) => /^function_call\s+get_weather\(\{"city":"Oslo"\}\)$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^function_call_result\s+get_weather: sunny$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^assistant\s+It is sunny\.$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^assistant\s+hello there$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^user\s+custom field$/.test(l)),
      out.stdout,
    );
    const last = await cli("messages", id, "--limit", "1", "--json");
    const doc = parseJson(last.stdout) as Record<string, unknown[]>;
    assert.deepEqual(Object.keys(doc), ["messages", "agent_items", "ui_messages"]);
    assert.equal(doc.agent_items?.length, 1);
    const missing = await cli("messages", id, "--field", "nope");
    assert.equal(missing.code, 1);
  });

  it("ttl shows, sets seconds, and sets none", async () => {
    const { manager, cli } = namespace();
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.set("k", "v");
    const shown = await cli("ttl", id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^ttl: (3600|3599) s/);
    const set = await cli("ttl", id, "120");
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /ttl set: 1[12]\d s/);
    const ttl = await memory.getTtl();
    assert.ok(typeof ttl === "number" && ttl > 110 && ttl <= 120, `ttl ${ttl}`);
    const json = await cli("ttl", id, "--json");
    assert.deepEqual(parseJson(json.stdout), { conversationId: id, ttl, exists: true });
    const none = await cli("ttl", id, "none");
    assert.equal(none.code, 0, none.stderr);
    assert.equal(await memory.getTtl(), null);
    assert.match((await cli("ttl", id)).stdout, /^ttl: none/);
    assert.equal((parseJson((await cli("ttl", id, "--json")).stdout) as { ttl: unknown }).ttl, null);
    await memory.set("k2", "v2"); // the setting sticks for later writes
    assert.equal(await memory.getTtl(), null);
  });

  it("ttl rejects a bad value with exit 2 and changes nothing; a missing conversation is exit 1", async () => {
    const { manager, cli } = namespace();
    const id = freshId();
    await manager.getMemory(id).set("k", "v", {});
    for (const bad of ["0", "-5", "1.5", "soon", "10ms", "5y"]) {
      const result = await cli("ttl", id, bad);
      assert.equal(result.code, 2, `ttl ${bad}: ${result.stderr}`);
      assert.match(result.stderr, /ttl|seconds/i);
    }
    const ttl = await manager.getMemory(id).getTtl();
    assert.ok(typeof ttl === "number" && ttl > 3500);
    const missing = await cli("ttl", "no-such-conversation");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  });
});

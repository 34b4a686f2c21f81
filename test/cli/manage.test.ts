/**
 * Issue 14's operator commands through the built CLI against a real redis-server: `delete`
 * (confirmation or --yes), "not found" for `messages`, `tail` and `ttl`, TTL durations and
 * --create, `show` cut to the terminal width (--full), `list` sorted, filtered and bounded,
 * and camelCase keys in every --json output.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseJson, runCli, useCliRedis } from "../helpers/cli.js";
import { freshId, sleep } from "../helpers/targets.js";

/** Every key of a --json document, except the user's own field names under `fields`/`sizes`. */
function jsonKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) jsonKeys(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      out.push(key);
      if (key !== "fields" && key !== "sizes" && key !== "metadata") jsonKeys(v, out);
    }
  }
  return out;
}

const CAMEL_CASE = /^[a-z][a-zA-Z0-9]*$/;

describe("convmem delete, not found, ttl durations, show width, list order", () => {
  const redis = useCliRedis();

  it("delete --yes removes the conversation; without a terminal and --yes it refuses and keeps it", async () => {
    const { manager, cli } = redis.namespace();
    const id = freshId("del");
    const memory = manager.getMemory(id);
    await memory.update({ a: 1, b: "two" });
    await memory.addMessage("user", "hello");
    await memory.setTtl(600);

    const refused = await cli("delete", id);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /refusing to delete conversation ".*" without confirmation: stdin is not a terminal; pass --yes/,
    );
    assert.equal(refused.stdout, "");
    assert.deepEqual(await memory.keys(), ["a", "b", "messages"]);

    const deleted = await cli("delete", id, "--yes");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /^deleted conversation del-\S+ \(3 fields\)$/m);
    assert.deepEqual(await memory.keys(), []);
    assert.equal(await memory.getTtl(), undefined);
    assert.equal(await memory.getMessageCount(), 0);
    assert.deepEqual((await manager.getStats()).conversations, []);

    const again = await cli("delete", id, "-y");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /conversation ".*" not found/);

    const other = freshId("del");
    await manager.getMemory(other).set("k", "v");
    const json = await cli("delete", other, "--yes", "--json");
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(parseJson(json.stdout), { conversationId: other, deleted: true, removedFields: 1 });
  });

  it("messages, tail and ttl of an unknown id say not found and exit 1; a history-less conversation is fine", async () => {
    const { manager, cli } = redis.namespace();
    const results = await Promise.all([
      cli("messages", "no-such-conversation"),
      cli("tail", "no-such-conversation", "--interval", "50"),
      cli("ttl", "no-such-conversation", "2h"),
      cli("ttl", "no-such-conversation", "none", "--json"),
    ]);
    for (const result of results) {
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /conversation \\?"no-such-conversation\\?" not found/);
      assert.equal(result.stdout, "");
    }
    assert.equal(
      (parseJson(results[3]?.stderr ?? "") as { error: { code: string } }).error.code,
      "ERR_NOT_FOUND",
    );
    // Nothing was set on the unknown conversation: its first write gets the default TTL.
    const probe = manager.getMemory("no-such-conversation");
    await probe.set("k", "v");
    const ttl = await probe.getTtl();
    assert.ok(typeof ttl === "number" && ttl > 3500, `default ttl, got ${ttl}`);

    const id = freshId("nomsg");
    await manager.getMemory(id).set("k", "v");
    const empty = await cli("messages", id);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, "");
  });

  it("ttl accepts cleanup's durations and none/never; --create sets it on an unknown id", async () => {
    const { manager, cli } = redis.namespace();
    const id = freshId("ttl");
    const memory = manager.getMemory(id);
    await memory.set("k", "v");
    // Every duration form is parsed by the same function as cleanup's (see format.test.ts).
    for (const [text, seconds] of [
      ["15m", 900],
      ["7d", 604_800],
    ] as const) {
      const result = await cli("ttl", id, text, "--json");
      assert.equal(result.code, 0, `${text}: ${result.stderr}`);
      const { ttl } = parseJson(result.stdout) as { ttl: number };
      assert.ok(ttl <= seconds && ttl >= seconds - 2, `${text}: ${ttl}`);
    }
    const never = await cli("ttl", id, "never");
    assert.equal(never.code, 0, never.stderr);
    assert.match(never.stdout, /^ttl set: none \(never expires\)/);
    assert.equal(await memory.getTtl(), null);

    const fresh = freshId("ttl");
    const created = await cli("ttl", fresh, "2h", "--create");
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^ttl set: 7200 s \(2h\) \(applies from the conversation's first write\)$/m);
    await manager.getMemory(fresh).set("k", "v");
    const ttl = await manager.getMemory(fresh).getTtl();
    assert.ok(typeof ttl === "number" && ttl > 7190 && ttl <= 7200, `ttl ${ttl}`);
  });

  it("show cuts values to the terminal width ($COLUMNS) with a note; --full prints them whole", async () => {
    const { manager, prefix, cli } = redis.namespace();
    const id = freshId("wide");
    const memory = manager.getMemory(id);
    const long = "x".repeat(300);
    await memory.set("long", long);
    await memory.set("cjk", "日本語".repeat(40));
    await memory.set("short", "ok");
    const env = { CONVMEM_REDIS_URL: redis.url, COLUMNS: "60" };
    const [narrow, full, piped] = await Promise.all([
      runCli(["show", id, "--prefix", prefix], { env }),
      runCli(["show", id, "--prefix", prefix, "--full"], { env }),
      cli("show", id),
    ]);
    assert.equal(narrow.code, 0, narrow.stderr);
    const rows = narrow.stdout.split("\n").filter((l) => /^(long|cjk|short)\s/.test(l));
    assert.equal(rows.length, 3);
    for (const row of rows) {
      // One column per character here except the CJK row, whose glyphs take two.
      const columns = [...row].reduce((n, c) => n + (/[\u3040-\u9fff]/.test(c) ? 2 : 1), 0);
      assert.ok(columns <= 60, `${columns} columns: ${row}`);
    }
    assert.match(narrow.stdout, /^long\s+302\s+"x+…$/m);
    assert.match(narrow.stdout, /^cjk\s+\d+\s+"(日本語)+.*…$/m);
    assert.match(narrow.stdout, /^short\s+4\s+"ok"$/m);
    assert.match(narrow.stderr, /2 values cut to 60 columns; --full prints them whole/);
    assert.equal(full.code, 0, full.stderr);
    assert.ok(full.stdout.includes(JSON.stringify(long)), "--full prints the whole value");
    assert.equal(full.stderr, "");
    // Not a terminal and no $COLUMNS: nothing to fit, values whole.
    assert.ok(piped.stdout.includes(JSON.stringify(long)));
  });

  it("list sorts newest first or largest first, filters by id prefix, and bounds the scan", async () => {
    const { manager, cli } = redis.namespace();
    // Written in this order, 5 ms apart: lastActivity increases along the list.
    const ids = ["user_a", "bot_1", "user_b", "user_c", "bot_2", "user_d"];
    const sizes = [40, 5, 300, 1, 80, 20];
    for (const [i, id] of ids.entries()) {
      await manager.getMemory(id).set("v", "x".repeat(sizes[i] ?? 0));
      await sleep(5);
    }
    const idsOf = (stdout: string) =>
      (parseJson(stdout) as Array<{ conversationId: string }>).map((r) => r.conversationId);
    const [byActivity, bySize, prefixed, limited, bounded] = await Promise.all([
      cli("list", "--scan", "all", "--json"),
      cli("list", "--sort", "size", "--json"),
      cli("list", "--id-prefix", "user_", "--sort", "size", "--json"),
      cli("list", "--limit", "2"),
      cli("list", "--scan", "3", "--json"),
    ]);
    assert.deepEqual(idsOf(byActivity.stdout), [...ids].reverse());
    assert.deepEqual(idsOf(bySize.stdout), ["user_b", "bot_2", "user_a", "user_d", "bot_1", "user_c"]);
    assert.deepEqual(idsOf(prefixed.stdout), ["user_b", "user_a", "user_d", "user_c"]);
    assert.equal(byActivity.stderr, "");

    const lines = limited.stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[0]),
      ["user_d", "bot_2"],
    );
    assert.match(limited.stderr, /^2 of 6 conversations shown \(--limit 2\)$/m);
    assert.match(
      limited.stdout,
      /^ID\s+FIELDS\s+BYTES\s+LAST ACTIVITY\nuser_d\s+1\s+22\s+\d{4}-\d\d-\d\dT[\d:.]+Z\n/,
    );

    // Stopped at the bound: 3 rows, sorted among themselves, and a note that says so.
    const partial = parseJson(bounded.stdout) as Array<{ conversationId: string; lastActivity: number }>;
    assert.equal(partial.length, 3);
    const times = partial.map((r) => r.lastActivity);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    assert.match(
      bounded.stderr,
      /stopped after scanning 3 conversations \(--scan\) and more exist: the order is exact within those 3 only/,
    );

    const none = await cli("list", "--id-prefix", "nobody_");
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, "");
    assert.match(none.stderr, /^no conversations with ids starting "nobody_"$/m);
  });

  it("every --json output uses camelCase keys", async () => {
    const { manager, cli } = redis.namespace();
    const id = freshId("json");
    const memory = manager.getMemory(id);
    await memory.set("snake_case_field", { user_name: "kept as the user wrote it" });
    await memory.addMessage("user", "hi", { some_meta: 1 });
    const outputs = await Promise.all([
      cli("stats", "--json"),
      cli("list", "--json"),
      cli("show", id, "--json"),
      cli("messages", id, "--json"),
      cli("ttl", id, "1h", "--json"),
      cli("cleanup", "--max-age", "7d", "--dry-run", "--json"),
      cli("show", "missing", "--json"),
    ]);
    const keys = new Set<string>();
    for (const out of outputs) {
      const text = out.code === 0 ? out.stdout : out.stderr;
      for (const key of jsonKeys(parseJson(text))) keys.add(key);
    }
    const bad = [...keys].filter((k) => !CAMEL_CASE.test(k));
    assert.deepEqual(bad, []);
    for (const key of [
      "conversationId",
      "totalFields",
      "totalSizeBytes",
      "lastActivity",
      "maxAgeSeconds",
      "error",
    ]) {
      assert.ok(keys.has(key), key);
    }
    const deleted = await cli("delete", id, "--yes", "--json");
    assert.ok(jsonKeys(parseJson(deleted.stdout)).every((k) => CAMEL_CASE.test(k)));
  });
});

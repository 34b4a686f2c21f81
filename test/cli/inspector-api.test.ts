/**
 * The HTTP API of `convmem inspect` (the built CLI, a real child process) against a real
 * redis-server, each test on its own key prefix: the paged conversation list and its bound,
 * one conversation, stats, read-only refusal, writes with --allow-writes, the Host check on
 * loopback, the token on other binds, redacted errors, and assets that fetch nothing.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, runCli, useCliRedis } from "../helpers/cli.js";
import { type InspectorProcess, startInspectorCli } from "../helpers/inspector.js";
import { freshId, sleep } from "../helpers/targets.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One HTTP request with exactly the given headers (Host included), via node:http. */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method: options.method ?? (body === undefined ? "GET" : "POST"), headers },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const WRITE = { "x-convmem-inspector": "1" };

function errorOf(reply: Reply): { code: string; message: string } {
  const error = (reply.json as { error?: { code: string; message: string } } | undefined)?.error;
  assert.ok(error, `an error body, got ${reply.status} ${reply.text}`);
  return error;
}

describe("convmem inspect: the HTTP API", () => {
  const redis = useCliRedis();
  const running: InspectorProcess[] = [];
  after(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  async function inspector(prefix: string, ...args: string[]): Promise<InspectorProcess> {
    const p = await startInspectorCli(["--prefix", prefix, ...args], { CONVMEM_REDIS_URL: redis.url });
    running.push(p);
    return p;
  }

  it("lists a namespace newest first with fields and bytes; --id-prefix filter; TTLs on request", async () => {
    const { manager, prefix } = redis.namespace();
    const ids = ["user_1:a", "user_1:b", "user_2:c", "other"];
    for (const id of ids) await manager.getMemory(id).update({ x: 1, s: id });
    await sleep(5); // last activity is in ms: a later ms, so no tie
    await manager.getMemory("user_1:a").set("again", true); // now the newest
    const p = await inspector(prefix);
    const page = await call(p.base, "/api/conversations");
    assert.equal(page.status, 200, page.text);
    const body = page.json as {
      conversations: Array<Record<string, unknown>>;
      cursor: unknown;
      scanned: number;
    };
    const truth = new Map<string, Record<string, unknown>>();
    for await (const c of manager.conversations()) truth.set(c.conversationId, { ...c });
    assert.deepEqual(
      body.conversations.map((c) => c.conversationId),
      [...truth.values()]
        .sort(
          (a, b) =>
            Number(b.lastActivity) - Number(a.lastActivity) ||
            String(a.conversationId).localeCompare(String(b.conversationId)),
        )
        .map((c) => c.conversationId),
    );
    assert.equal(body.conversations[0]?.conversationId, "user_1:a");
    for (const c of body.conversations) assert.deepEqual(c, truth.get(String(c.conversationId)));
    assert.equal(body.cursor, null, "a small registry is read to its end");
    assert.equal(body.scanned, 4);
    const filtered = await call(p.base, `/api/conversations?prefix=${encodeURIComponent("user_1:")}`);
    assert.deepEqual(
      (filtered.json as { conversations: Array<{ conversationId: string }> }).conversations.map(
        (c) => c.conversationId,
      ),
      ["user_1:a", "user_1:b"],
    );
    const ttls = await call(p.base, "/api/ttls", { body: { ids: ["other", "missing"] } });
    assert.equal(ttls.status, 200, ttls.text);
    const got = (ttls.json as { ttls: Record<string, unknown> }).ttls;
    assert.ok(
      typeof got.other === "number" && got.other > 3500 && got.other <= 3600,
      `ttl ${String(got.other)}`,
    );
    assert.equal(got.missing, "gone");
    for (const bad of ["limit=0", "limit=1001", "limit=ten", "cursor=-1"]) {
      const reply = await call(p.base, `/api/conversations?${bad}`);
      assert.equal(reply.status, 400, bad);
      assert.equal(errorOf(reply).code, "ERR_VALIDATION");
    }
  });

  it("a page reads a bounded part of the registry; its cursor reads on, every conversation once", async () => {
    const { manager, prefix } = redis.namespace();
    const ids = Array.from({ length: 600 }, (_, i) => `c${i}`);
    await Promise.all(ids.map((id) => manager.getMemory(id).set("k", 1)));
    const p = await inspector(prefix);
    const seen: string[] = [];
    let cursor: number | null = 0;
    let pages = 0;
    while (cursor !== null) {
      const reply = await call(p.base, `/api/conversations?limit=1&cursor=${cursor}`);
      const body = reply.json as {
        conversations: Array<{ conversationId: string }>;
        cursor: number | null;
        scanned: number;
        reads: number;
      };
      assert.equal(body.reads, 1, "limit=1 is met by the first registry read");
      // One read is one step of 512 of the 16384 buckets: about 600/32 conversations, not 600.
      assert.ok(body.scanned < 100, `page ${pages} scanned ${body.scanned}`);
      if (body.cursor !== null) assert.equal(body.cursor, cursor + 512);
      seen.push(...body.conversations.map((c) => c.conversationId));
      cursor = body.cursor;
      pages++;
    }
    assert.ok(pages >= 20 && pages <= 32, `pages ${pages}`);
    assert.deepEqual(seen.sort(), [...ids].sort());
  });

  it("one conversation: every field, sizes, TTL; the summary poll; 404 and 400", async () => {
    const { manager, prefix } = redis.namespace();
    const id = freshId("conv:{x}");
    const memory = manager.getMemory(id);
    await memory.set("prefs", { language: "en", nested: [1, 2] });
    await memory.addMessage("user", "hi <script>alert(1)</script>", { channel: "sms" });
    await memory.setTtl(600);
    const p = await inspector(prefix);
    const reply = await call(p.base, `/api/conversation?id=${encodeURIComponent(id)}`);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json as Record<string, unknown>;
    const size = await memory.getMemorySize();
    assert.deepEqual(body.fields, await memory.items());
    assert.deepEqual(body.sizes, size.fields);
    assert.equal(body.totalSizeBytes, size.totalSizeBytes);
    assert.ok(typeof body.ttl === "number" && body.ttl > 590 && body.ttl <= 600);
    const summary = await call(p.base, `/api/conversation/summary?id=${encodeURIComponent(id)}`);
    assert.deepEqual(Object.keys(summary.json as object).sort(), [
      "conversationId",
      "sizes",
      "totalFields",
      "totalSizeBytes",
      "ttl",
    ]);
    const missing = await call(p.base, "/api/conversation?id=nope");
    assert.equal(missing.status, 404);
    assert.match(errorOf(missing).message, /conversation "nope" not found/);
    const noId = await call(p.base, "/api/conversation");
    assert.equal(noId.status, 400);
    assert.equal(errorOf(noId).code, "ERR_VALIDATION");
    const unknown = await call(p.base, "/api/nothing");
    assert.equal(unknown.status, 404);
  });

  it("stats: totals as getStats counts them, a histogram by last activity", async () => {
    const { manager, prefix } = redis.namespace();
    for (let i = 0; i < 5; i++) await manager.getMemory(`s${i}`).update({ a: i, b: "x" });
    const p = await inspector(prefix);
    const reply = await call(p.base, "/api/stats");
    assert.equal(reply.status, 200, reply.text);
    const s = reply.json as {
      totalConversations: number;
      totalFields: number;
      totalSizeBytes: number;
      byLastActivity: Array<{ label: string; count: number }>;
    };
    const truth = await manager.getStats();
    assert.equal(s.totalConversations, 5);
    assert.equal(s.totalFields, 10);
    assert.equal(
      s.totalSizeBytes,
      truth.conversations.reduce((n, c) => n + c.totalSizeBytes, 0),
    );
    assert.equal(s.byLastActivity[0]?.label, "< 1 min");
    assert.equal(s.byLastActivity[0]?.count, 5);
    assert.equal(
      s.byLastActivity.reduce((n, b) => n + b.count, 0),
      5,
    );
    const activity = await call(p.base, "/api/activity");
    const ops = (activity.json as { operations: Array<{ operation: string }> }).operations.map(
      (o) => o.operation,
    );
    assert.ok(ops.includes("conversations"), `the stats walk is in the activity: ${ops.join(",")}`);
  });

  it("read-only by default: every write is refused with 403 and changes nothing", async () => {
    const { manager, prefix } = redis.namespace();
    const id = freshId();
    await manager.getMemory(id).update({ a: 1, b: 2 });
    const p = await inspector(prefix);
    const writes: Array<[string, Record<string, unknown>]> = [
      ["/api/conversation/delete", { id }],
      ["/api/conversation/ttl", { id, ttl: 60 }],
      ["/api/field/delete", { id, field: "a" }],
    ];
    for (const [path, body] of writes) {
      const reply = await call(p.base, path, { body, headers: WRITE });
      assert.equal(reply.status, 403, path);
      assert.equal(errorOf(reply).code, "ERR_READ_ONLY");
      assert.match(errorOf(reply).message, /--allow-writes/);
    }
    assert.deepEqual(await manager.getMemory(id).keys(), ["a", "b"]);
    const ttl = await manager.getMemory(id).getTtl();
    assert.ok(typeof ttl === "number" && ttl > 3500);
    const info = await call(p.base, "/api/info");
    assert.equal((info.json as { allowWrites: boolean }).allowWrites, false);
  });

  it("--allow-writes: delete field, set TTL (seconds, none), delete conversation; only from the page", async () => {
    const { manager, prefix } = redis.namespace();
    const id = freshId();
    const memory = manager.getMemory(id);
    await memory.update({ a: 1, b: 2 });
    const p = await inspector(prefix, "--allow-writes");
    const noHeader = await call(p.base, "/api/field/delete", { body: { id, field: "a" } });
    assert.equal(noHeader.status, 403);
    assert.equal(errorOf(noHeader).code, "ERR_CSRF");
    const crossSite = await call(p.base, "/api/field/delete", {
      body: { id, field: "a" },
      headers: { ...WRITE, origin: "http://evil.example" },
    });
    assert.equal(errorOf(crossSite).code, "ERR_ORIGIN");
    assert.deepEqual(await memory.keys(), ["a", "b"]);
    const del = await call(p.base, "/api/field/delete", { body: { id, field: "a" }, headers: WRITE });
    assert.deepEqual(del.json, { deleted: true });
    assert.deepEqual(await memory.keys(), ["b"]);
    const ttl = await call(p.base, "/api/conversation/ttl", { body: { id, ttl: 120 }, headers: WRITE });
    assert.equal(ttl.status, 200, ttl.text);
    const now = await memory.getTtl();
    assert.ok(typeof now === "number" && now > 110 && now <= 120, `ttl ${now}`);
    await call(p.base, "/api/conversation/ttl", { body: { id, ttl: null }, headers: WRITE });
    assert.equal(await memory.getTtl(), null);
    const badTtl = await call(p.base, "/api/conversation/ttl", { body: { id, ttl: 0 }, headers: WRITE });
    assert.equal(badTtl.status, 400);
    const gone = await call(p.base, "/api/conversation/delete", { body: { id }, headers: WRITE });
    assert.deepEqual(gone.json, { removedFields: 1 });
    assert.equal(await memory.getTtl(), undefined);
    const again = await call(p.base, "/api/conversation/delete", { body: { id }, headers: WRITE });
    assert.equal(again.status, 404);
  });

  it("on loopback, answers only to a loopback Host (no DNS rebinding)", async () => {
    const { prefix } = redis.namespace();
    const p = await inspector(prefix);
    assert.equal(p.token, null);
    for (const host of ["localhost", "127.0.0.1", `127.0.0.1:${p.port}`, `localhost:${p.port}`]) {
      assert.equal((await call(p.base, "/api/info", { headers: { host } })).status, 200, host);
    }
    for (const host of ["evil.example", `evil.example:${p.port}`, "127.0.0.1.evil.example"]) {
      const reply = await call(p.base, "/api/info", { headers: { host } });
      assert.equal(reply.status, 403, host);
      assert.equal(errorOf(reply).code, "ERR_HOST");
      assert.equal((await call(p.base, "/", { headers: { host } })).status, 403);
    }
  });

  it("on a non-loopback bind, demands the printed token: ?token= sets a cookie, a header works", async () => {
    const { prefix } = redis.namespace();
    const p = await inspector(prefix, "--host", "0.0.0.0");
    assert.ok(p.token !== null && p.token.length >= 32, "a random token is printed");
    assert.equal(p.url, `http://0.0.0.0:${p.port}/?token=${p.token}`);
    const none = await call(p.base, "/api/info");
    assert.equal(none.status, 401);
    assert.match(errorOf(none).message, /access token/);
    assert.equal((await call(p.base, "/")).status, 401);
    const wrong = await call(p.base, "/api/info", { headers: { "x-convmem-token": `${p.token}x` } });
    assert.equal(wrong.status, 401);
    assert.match(errorOf(wrong).message, /wrong access token/);
    const header = await call(p.base, "/api/info", { headers: { "x-convmem-token": p.token } });
    assert.equal(header.status, 200);
    assert.equal((header.json as { tokenRequired: boolean }).tokenRequired, true);
    const open = await call(p.base, `/?token=${p.token}`);
    assert.equal(open.status, 303);
    assert.equal(open.headers.location, "/", "the token leaves the address bar");
    const cookie = String(open.headers["set-cookie"]);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const withCookie = await call(p.base, "/api/info", { headers: { cookie: cookie.split(";")[0] ?? "" } });
    assert.equal(withCookie.status, 200);
    const human = await runCli(["inspect", "--help"]);
    assert.match(human.stdout, /--allow-writes/);
  });

  it("errors are JSON messages: no stack trace, no password", async () => {
    const { prefix } = redis.namespace();
    const port = new URL(redis.url).port;
    const secret = "hunter2-secret";
    const p = await startInspectorCli(
      ["--prefix", prefix, "--url", `redis://someone:${secret}@127.0.0.1:${port}`, "--timeout", "500"],
      {},
    );
    running.push(p);
    const info = await call(p.base, "/api/info");
    assert.equal((info.json as { redis: string }).redis, `redis://***@127.0.0.1:${port}`);
    for (const path of ["/api/conversations", "/api/conversation?id=x", "/api/stats"]) {
      const reply = await call(p.base, path);
      assert.ok(reply.status >= 500, `${path}: ${reply.status}`);
      const { message } = errorOf(reply);
      assert.ok(message.length > 0);
      assert.doesNotMatch(reply.text, new RegExp(secret));
      assert.doesNotMatch(reply.text, /\n\s+at /, "no stack trace");
    }
  });

  it("serves its own assets under a 'self'-only CSP; the assets reference no other origin", async () => {
    const { prefix } = redis.namespace();
    const p = await inspector(prefix);
    for (const [path, type] of [
      ["/", "text/html"],
      ["/app.js", "text/javascript"],
      ["/app.css", "text/css"],
    ] as const) {
      const reply = await call(p.base, path);
      assert.equal(reply.status, 200, path);
      assert.match(String(reply.headers["content-type"]), new RegExp(`^${type}`));
      assert.match(String(reply.headers["content-security-policy"]), /default-src 'none'; script-src 'self'/);
    }
    const dir = join(ROOT, "dist", "inspector", "assets");
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), "utf8").replaceAll("http://www.w3.org/2000/svg", "");
      assert.doesNotMatch(text, /https?:\/\/|\/\/cdn|@import|url\(/i, `${file} loads nothing from elsewhere`);
    }
    assert.equal((await call(p.base, "/app.js", { method: "DELETE" })).status, 405);
  });

  it("bad --port or --poll is a usage error (exit 2)", async () => {
    for (const args of [
      ["--port", "70000"],
      ["--port", "http"],
      ["--poll", "10"],
    ]) {
      const result = await runCli(["inspect", ...args]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /--(port|poll)/);
    }
  });
});

/**
 * The straight-line writes of the common cases (`add_message_fast`, `set_scalar_fast` in
 * lua/write.lua) against the general path (`load`, `prepare`, the write, `commit`), on a real
 * redis-server. A harness script built from the library's own Lua sources and the operation's
 * own body (addmsg, set, cas) runs, in one atomic step and at one server time: the operation
 * with the fast paths; then, after restoring every key of the conversation as it was
 * (DUMP/RESTORE), the operation without them (FAST_PATHS = false). Both must reply the same and
 * leave the same state: every key's type, content and PEXPIRETIME, and the registry score. The
 * harness also reports whether the fast path took the write, and where it declined (a
 * redelivery, a registration or renewal due, an expired or never-expiring conversation, an
 * empty history, a pinned field, meta written by an earlier version…), that it wrote nothing
 * before declining. Each state below is reached through the public API, or crafted on the raw
 * keys where only time would reach it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { createMemoryManager, type MemoryManager } from "../../src/index.js";
import { type ConversationKeys, conversationKeys, fieldKey, MESSAGES_FIELD } from "../../src/keys.js";
import { casArgs, messageArgs, setArgs } from "../../src/store/redis/wire.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

type Raw = ReturnType<typeof createClient>;

const lua = (file: string) =>
  readFileSync(new URL(`../../src/store/redis/lua/${file}`, import.meta.url), "utf8");

/**
 * Lua, after the prelude and the operation's body as `op()`: runs it with and without the fast
 * paths (see the header). Replies `{ taken, before, with, without, reply with, reply without,
 * restored, declined cleanly }`.
 */
const HARNESS = `
local key = KEYS_IN[4]
local eid = string.match(KEYS_IN[1], '^[^{]*{(.*)}$')
local function pairs_sorted(flat)
  local out = {}
  for i = 1, #flat, 2 do out[#out + 1] = flat[i] .. '=' .. flat[i + 1] end
  table.sort(out)
  return out
end
local keys
local function capture()
  local out = {}
  for _, k in ipairs(keys) do
    local t = redis.call('TYPE', k)['ok']
    local v = {}
    if t == 'hash' then v = pairs_sorted(redis.call('HGETALL', k))
    elseif t == 'list' then v = redis.call('LRANGE', k, 0, -1)
    elseif t == 'string' then v = { redis.call('GET', k) } end
    out[#out + 1] = k .. ' ' .. t .. ' @' .. redis.call('PEXPIRETIME', k) .. ' ' .. table.concat(v, '|')
  end
  out[#out + 1] = 'registry ' .. tostring(redis.call('ZSCORE', KEYS_IN[3], eid))
  return table.concat(out, '\\n')
end
local function reply_text(r)
  if type(r) ~= 'table' then return tostring(r) end
  if r.err then return 'error ' .. r.err end
  local out = {}
  for i, x in ipairs(r) do out[i] = reply_text(x) end
  return '{' .. table.concat(out, ',') .. '}'
end
-- Whether a fast path took the write, and whether one that declined wrote nothing first.
local taken, clean = false, true
local function watch(fast)
  return function(...)
    local at = capture()
    local r, m = fast(...)
    if r then taken = true elseif capture() ~= at then clean = false end
    return r, m
  end
end
add_message_fast = watch(add_message_fast)
set_scalar_fast = watch(set_scalar_fast)
-- One server time for both runs (each begins with the clock).
clock()
local FROZEN = NOW
clock = function() NOW = FROZEN end
local function run()
  begin(KEYS_IN, ARGV_IN)
  return reply_text(op())
end
-- Every key of the conversation: meta, the indexes, the liveness key, the field's key, and the
-- history's (a scalar write moves its expiry).
begin(KEYS_IN, ARGV_IN)
keys = { META, MIDS, live_key(), ops_key(), key }
if key ~= fkey(MESSAGES) then keys[#keys + 1] = fkey(MESSAGES) end
local snap = {}
for i, k in ipairs(keys) do snap[i] = { redis.call('DUMP', k), redis.call('PEXPIRETIME', k) } end
local score = redis.call('ZSCORE', KEYS_IN[3], eid)
local before = capture()
local r1 = run()
local with = capture()
for i, k in ipairs(keys) do
  redis.call('DEL', k)
  local dump, at = snap[i][1], snap[i][2]
  if dump then
    if at == -1 then redis.call('RESTORE', k, 0, dump) else redis.call('RESTORE', k, at, dump, 'ABSTTL') end
  end
end
if score then redis.call('ZADD', KEYS_IN[3], score, eid) else redis.call('ZREM', KEYS_IN[3], eid) end
local restored = capture()
FAST_PATHS = false
local r2 = run()
return { tostring(taken), before, with, capture(), r1, r2, restored, tostring(clean) }
`;

describe("the fast paths of addMessage, set and modify are the general path (standalone redis-server)", () => {
  let server: RedisServer;
  let raw: Raw;
  const sources = new Map<string, string>();
  const managers: MemoryManager[] = [];
  const open = (keyPrefix: string, defaultTtl: number | null = 60) => {
    const manager = createMemoryManager({ redis: server.url, keyPrefix, defaultTtl });
    managers.push(manager);
    return manager;
  };

  before(async () => {
    server = await startRedis();
    raw = createClient({ url: server.url });
    await raw.connect();
    const prelude = `local KEYS_IN, ARGV_IN = KEYS, ARGV\n${lua("live.lua")}\n${lua("state.lua")}\n${lua("write.lua")}`;
    for (const op of ["addmsg-4", "set-4", "cas-4"]) {
      sources.set(op, `${prelude}\nlocal function op()\n${lua(`${op}.lua`)}\nend\n${HARNESS}`);
    }
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await raw.quit();
    await server.stop();
  });

  /** A conversation with two messages (m1, m2) and a scalar field `prefs`, through the API. */
  async function conversation(defaultTtl: number | null = 60, history = true) {
    const prefix = `fp-${randomUUID()}`;
    const manager = open(prefix, defaultTtl);
    const memory = manager.getMemory("c1");
    if (history) {
      await memory.addMessage("user", "one", {}, { id: "m1" });
      await memory.addMessage("assistant", "two", {}, { id: "m2" });
    }
    await memory.set("prefs", { lang: "pt" });
    const keys = conversationKeys(prefix, "c1");
    return { memory, keys, ttl: defaultTtl ?? -1 };
  }

  interface Outcome {
    taken: boolean;
    reply: string;
  }

  /**
   * Runs operation `op` (a lua/<op>.lua body) on `field` of `keys` with `args` through the
   * harness; asserts both runs replied the same and left the same state, and that a declining
   * fast path wrote nothing.
   */
  async function check(
    op: "addmsg-4" | "set-4" | "cas-4",
    keys: ConversationKeys,
    ttl: number,
    field: string,
    args: string[],
  ): Promise<Outcome> {
    const reply = await raw.eval(sources.get(op) as string, {
      keys: [keys.meta, keys.messageIds, keys.registry, fieldKey(keys, field)],
      arguments: [keys.fieldBase, String(ttl), field, ...args],
    });
    const [taken, before, withFast, without, r1, r2, restored, clean] = (reply as unknown[]).map(String);
    assert.equal(restored, before, "the harness restored the conversation before the second run");
    assert.equal(clean, "true", "a fast path that declined wrote nothing");
    assert.equal(r1, r2, "the same reply with and without the fast paths");
    assert.equal(withFast, without, "the same keys, contents, expiries and registry score");
    return { taken: taken === "true", reply: r1 as string };
  }

  const addMessage = (keys: ConversationKeys, ttl: number, id: string, max?: number) =>
    check("addmsg-4", keys, ttl, MESSAGES_FIELD, [
      ...messageArgs({ id, role: "user", content: `text of ${id}`, metadataJson: '{"n":1}' }, max),
    ]);
  const set = (keys: ConversationKeys, ttl: number, field: string, json: string) =>
    check("set-4", keys, ttl, field, setArgs("", { kind: "scalar", raw: json }));
  const modify = (
    keys: ConversationKeys,
    ttl: number,
    field: string,
    expected: string | undefined,
    json: string,
  ) =>
    check(
      "cas-4",
      keys,
      ttl,
      field,
      casArgs(expected === undefined ? undefined : { kind: "scalar", raw: expected }, {
        kind: "scalar",
        raw: json,
      }),
    );

  /**
   * Rewrites one number of meta field `c` (1 ttl, 2 dl, 3 pd, 4 md, 5 la, 6 rg): to number
   * `from` (or 0) plus `offset`.
   */
  async function editState(keys: ConversationKeys, index: number, from: number | null, offset: number) {
    await raw.eval(
      `local t = { struct.unpack('<dddddd', redis.call('HGET', KEYS[1], 'c')) }
       local i, from = tonumber(ARGV[1]), tonumber(ARGV[2])
       t[i] = (from and t[from] or 0) + tonumber(ARGV[3])
       redis.call('HSET', KEYS[1], 'c', struct.pack('<dddddd', t[1], t[2], t[3], t[4], t[5], t[6]))`,
      { keys: [keys.meta], arguments: [String(index), from === null ? "" : String(from), String(offset)] },
    );
  }

  /** Every write of the common case takes the fast path: addMessage, set, modify. */
  async function allTaken(keys: ConversationKeys, ttl: number, id: string): Promise<void> {
    assert.equal((await addMessage(keys, ttl, id)).taken, true, "addMessage: fast");
    assert.equal((await set(keys, ttl, "prefs", '{"lang":"en"}')).taken, true, "set: fast");
    assert.equal(
      (await modify(keys, ttl, "prefs", '{"lang":"en"}', '{"lang":"fr"}')).taken,
      true,
      "modify: fast",
    );
  }

  /**
   * No write takes the fast path on the state `setup` makes (made afresh for each: the general
   * path's write may leave a state the fast path takes), and each did what the general path does.
   */
  async function noneTaken(setup: () => Promise<{ keys: ConversationKeys; ttl: number }>): Promise<void> {
    let c = await setup();
    assert.equal((await addMessage(c.keys, c.ttl, "m3")).taken, false, "addMessage: general");
    c = await setup();
    assert.equal((await set(c.keys, c.ttl, "prefs", '{"lang":"en"}')).taken, false, "set: general");
    c = await setup();
    assert.equal(
      (await modify(c.keys, c.ttl, "prefs", '{"lang":"pt"}', '{"lang":"fr"}')).taken,
      false,
      "modify",
    );
  }

  it("a live conversation: addMessage, set and modify take the fast path, and do the same", async () => {
    const { keys, ttl, memory } = await conversation();
    await allTaken(keys, ttl, "m3");
    // What the harness left (the general path's writes) reads back through the API.
    assert.deepEqual(
      (await memory.getMessages()).map((m) => m.id),
      ["m1", "m2", "m3"],
    );
    assert.deepEqual(await memory.get("prefs"), { lang: "fr" });
    assert.match((await addMessage(keys, ttl, "m4")).reply, /^\{1,\d+\}$/);
  });

  it("a new field, a modify of a missing field, a conversation without a history", async () => {
    const { keys, ttl } = await conversation();
    assert.equal((await set(keys, ttl, "fresh", "1")).taken, true);
    assert.equal((await modify(keys, ttl, "other", undefined, "[1,2]")).taken, true);
    const b = await conversation(60, false);
    assert.equal((await set(b.keys, b.ttl, "prefs", "2")).taken, true);
    assert.equal((await modify(b.keys, b.ttl, "prefs", "2", "3")).taken, true);
  });

  it("a conversation with its own TTL (setTtl), a pin that outlives it, a pin forever", async () => {
    const a = await conversation();
    await a.memory.setTtl(120);
    await allTaken(a.keys, a.ttl, "m3");
    const b = await conversation();
    await b.memory.set("pinned", 1, { ttl: 100_000 });
    await allTaken(b.keys, b.ttl, "m3");
    const c = await conversation();
    await c.memory.set("pinned", 1, { ttl: null }); // never expires: meta neither
    await allTaken(c.keys, c.ttl, "m3");
  });

  it("maxMessages trims the oldest: handed on after the RPUSH, the same write", async () => {
    const { keys, ttl } = await conversation();
    assert.equal((await addMessage(keys, ttl, "m3", 2)).taken, true);
    assert.equal((await addMessage(keys, ttl, "m4", 3)).taken, true); // within the cap
  });

  it("keys removed outside convmem, or a value of another kind", async () => {
    const a = await conversation();
    await raw.del(fieldKey(a.keys, MESSAGES_FIELD)); // RPUSH then creates the list (reply 1)
    assert.equal((await addMessage(a.keys, a.ttl, "m3")).taken, true);
    const b = await conversation();
    await raw.del(b.keys.messageIds); // HSETNX creates the index: it gets its expiry now
    assert.equal((await addMessage(b.keys, b.ttl, "m3")).taken, true);
    const c = await conversation();
    await raw.set(fieldKey(c.keys, MESSAGES_FIELD), "not a list", { KEEPTTL: true });
    const failed = await addMessage(c.keys, c.ttl, "m3");
    assert.equal(failed.taken, true);
    assert.match(failed.reply, /WRONGTYPE/);
  });

  it("declines a redelivery, an empty history, a list or a stale value, a pinned field", async () => {
    const a = await conversation();
    assert.equal((await addMessage(a.keys, a.ttl, "m2")).taken, false);
    const b = await conversation();
    await b.memory.deleteMessage("m1");
    await b.memory.deleteMessage("m2");
    assert.equal((await addMessage(b.keys, b.ttl, "m3")).taken, false);
    const c = await conversation();
    await c.memory.append("list", 1);
    assert.equal(
      (await modify(c.keys, c.ttl, "list", "[1]", "2")).taken,
      false,
      "a list where a scalar is expected",
    );
    const stale = await modify(c.keys, c.ttl, "prefs", '{"lang":"xx"}', "2");
    assert.equal(stale.taken, false, "a compare that fails");
    assert.match(stale.reply, /^\{0,\{1,/);
    await c.memory.set("pinned", 1, { ttl: 600 });
    assert.equal((await set(c.keys, c.ttl, "pinned", "2")).taken, false, "a pinned field");
    assert.equal((await set(c.keys, c.ttl, MESSAGES_FIELD, "2")).taken, false, "a set of the history");
  });

  it("a new conversation's first addMessage is fast, also over stale keys; set and modify decline", async () => {
    const fresh = () => ({ keys: conversationKeys(`fp-${randomUUID()}`, "c1"), ttl: 60 });
    const history = (keys: ConversationKeys) => fieldKey(keys, MESSAGES_FIELD);
    const ops = (keys: ConversationKeys) => keys.meta.replace(":meta:{", ":ops:{");
    const a = fresh();
    const first = await addMessage(a.keys, a.ttl, "m1");
    assert.equal(first.taken, true, "nothing there");
    assert.match(first.reply, /^\{1,\d+\}$/);
    // What it wrote is a conversation the warm fast path takes on.
    assert.equal((await addMessage(a.keys, a.ttl, "m2")).taken, true, "the next addMessage");
    assert.equal((await set(a.keys, a.ttl, "prefs", "1")).taken, true, "the next set");
    // Keys left behind without meta (evicted, or written outside convmem): the general path
    // deletes the history's key first; the fast path replaces it after the RPUSH.
    const stale: Array<[string, (keys: ConversationKeys) => Promise<unknown>, number?]> = [
      ["a stale list", (k) => raw.rPush(history(k), ['{"id":"old"}', '{"id":"older"}'])],
      ["a stale list, with maxMessages", (k) => raw.rPush(history(k), ["x", "y", "z"]), 2],
      ["the empty-list marker", (k) => raw.set(history(k), "[]", { PX: 600_000 })],
      ["a value of another kind", (k) => raw.hSet(history(k), "a", "1")],
      ["a stale id index without the id", (k) => raw.hSet(k.messageIds, '"old"', "m")],
      ["a stale liveness key", (k) => raw.set(k.live, "1\nnotes\n", { PX: 600_000 })],
      ["a stale operation-id index", (k) => raw.hSet(ops(k), "op", "1")],
      ["a stale registry score", (k) => raw.zAdd(k.registry, { score: 1, value: "c1" })],
    ];
    for (const [what, make, max] of stale) {
      const c = fresh();
      await make(c.keys);
      const outcome = await addMessage(c.keys, c.ttl, "m1", max);
      assert.equal(outcome.taken, true, what);
      assert.match(outcome.reply, /^\{1,\d+\}$/, what);
    }
    // Declined, having written nothing: a stale id index holding the id (a redelivery), meta
    // without its state, a conversation that never expires, and set and modify.
    const held = fresh();
    await raw.hSet(held.keys.messageIds, JSON.stringify("m1"), "m");
    assert.equal((await addMessage(held.keys, held.ttl, "m1")).taken, false, "a held id");
    const metaOnly = fresh();
    await raw.hSet(metaOnly.keys.meta, "f:prefs", "c");
    assert.equal(
      (await addMessage(metaOnly.keys, metaOnly.ttl, "m1")).taken,
      false,
      "meta without its state",
    );
    const forever = fresh();
    assert.equal((await addMessage(forever.keys, -1, "m1")).taken, false, "never expires");
    const b = fresh();
    assert.equal((await set(b.keys, b.ttl, "prefs", "1")).taken, false, "set");
    const c = fresh();
    assert.equal((await modify(c.keys, c.ttl, "prefs", undefined, "1")).taken, false, "modify");
  });

  it("declines meta without the liveness value, a conversation that never expires", async () => {
    await noneTaken(async () => {
      const b = await conversation();
      await raw.hDel(b.keys.meta, "k"); // as a conversation written by an earlier version
      return b;
    });
    await noneTaken(() => conversation(null));
    // Another manager's defaultTtl: null.
    await noneTaken(async () => ({ ...(await conversation()), ttl: -1 }));
  });

  it("declines when the renewal or the deadline is due", async () => {
    const edited = (index: number, from: number | null, offset: number) => async () => {
      const c = await conversation();
      await editState(c.keys, index, from, offset);
      return c;
    };
    await noneTaken(edited(3, 2, -1)); // pd < dl: the new deadline passes it, renewal due
    await noneTaken(edited(3, 2, 10 * 60_000)); // pd more than one TTL beyond the new deadline
    await noneTaken(edited(2, null, Date.now() - 1000)); // the deadline has passed
  });

  it("a registration due is one ZADD without finite pins; declined with one, or not knowing", async () => {
    const due = (prepare?: (c: Awaited<ReturnType<typeof conversation>>) => Promise<unknown>) => async () => {
      const c = await conversation();
      await prepare?.(c);
      await editState(c.keys, 6, 6, -20_000); // registered 20 s ago: due (every 10 s)
      return c;
    };
    // No pin, a pin forever: p is '0', the fast path re-registers.
    for (const setup of [due(), due((c) => c.memory.set("pinned", 1, { ttl: null }))]) {
      let c = await setup();
      assert.equal(await raw.hGet(c.keys.meta, "p"), "0");
      assert.equal((await addMessage(c.keys, c.ttl, "m3")).taken, true, "addMessage");
      c = await setup();
      assert.equal((await set(c.keys, c.ttl, "prefs", "1")).taken, true, "set");
      c = await setup();
      assert.equal((await modify(c.keys, c.ttl, "prefs", '{"lang":"pt"}', "1")).taken, true, "modify");
    }
    // Registered "in the future" (a clock stepped back): also one ZADD.
    const future = await conversation();
    await editState(future.keys, 6, 6, 60_000);
    assert.equal((await addMessage(future.keys, future.ttl, "m3")).taken, true);
    // A finite pin, or meta written by an earlier version (no p): the general path purges.
    await noneTaken(due((c) => c.memory.set("pinned", 1, { ttl: 600 })));
    await noneTaken(due((c) => raw.hDel(c.keys.meta, "p")));
  });

  it("the pin flag: '1' once a field is pinned, '0' again once the registration's purge finds none", async () => {
    const c = await conversation();
    const flag = () => raw.hGet(c.keys.meta, "p");
    assert.equal(await flag(), "0", "a new conversation");
    await c.memory.set("brief", 1, { ttl: 1 });
    assert.equal(await flag(), "1", "a field pinned for 1 s");
    await c.memory.set("prefs", 2);
    assert.equal(await flag(), "1", "a write with the pin alive keeps it");
    await new Promise((r) => setTimeout(r, 1100));
    await editState(c.keys, 6, 6, -20_000); // the registration is due: its purge runs
    await c.memory.set("prefs", 3);
    assert.equal(await flag(), "0", "the dead pin was forgotten");
    assert.equal(await raw.hGet(c.keys.meta, "f:brief"), null);
    assert.equal(await c.memory.get("brief"), undefined);
    // Without p (an earlier version's meta), the next registration's purge records it.
    await raw.hDel(c.keys.meta, "p");
    await editState(c.keys, 6, 6, -20_000);
    await c.memory.set("prefs", 4);
    assert.equal(await flag(), "0");
  });
});

-- state.lua: a conversation's keys, arguments and stored state, and reading it; after live.lua
-- (read operations use only these two; write operations also write.lua, registry operations
-- registry.lua). As Redis 7 Functions, all of it is defined once, when the library loads; in
-- the EVAL fallback each script carries what it uses, and pays for it on every call.
--
-- KEYS[1] meta hash      <prefix>:meta:{<eid>}
-- KEYS[2] message ids    <prefix>:mids:{<eid>}  hash: JSON-encoded id -> HELD or COMPACTED
-- KEYS[3] registry       <prefix>:reg:{<tag>}  the conversation's registry bucket: a sorted set
--                        (member <eid>, score last write) whose tag hashes to the same Cluster
--                        slot as <eid>, so registry updates are part of the atomic script
-- KEYS[4] field key      <prefix>:conv:{<eid>}:<field>   (field operations only)
-- ARGV[1] field key base <prefix>:conv:{<eid>}:
-- ARGV[2] default conversation TTL in seconds, -1 = never expires
-- ARGV[3] field name ('' when the script has no single field)
-- ARGV[4..] operation arguments
--
-- Meta hash fields:
--   c    the conversation's state in one field (binary, see pack_state), so each call reads it
--        and writes it back as one argument: ttl, dl, pd, md, la, rg:
--     ttl  conversation TTL set by setTtl (seconds, -1 = never); none -> ARGV[2]
--     dl   logical deadline (ms, server clock) of fields following the conversation TTL; -1 = never
--     pd   physical deadline (ms) of those fields' keys but the history's: renewed lazily to
--          now + 2*TTL once dl would pass it (or once it lies more than one TTL beyond dl), so
--          a write costs O(1): dl <= pd <= dl + TTL. The history's key expires exactly at
--          dl - 1 (write.lua's header)
--     md   physical deadline of the meta hash itself (the latest of pd and the pinned
--          deadlines); -1 = never
--     la   last write (ms), set by every write
--     rg   when the conversation was last (re)registered in KEYS[3]; re-registered at most every
--          REG_EVERY ms, so the registry score is never ahead of `la` and lags it by < REG_EVERY
--   f:<field>  'c' (follows the conversation TTL) or the field's own deadline (ms; -1 = never)
--   s:<field>  UTF-8 bytes of the field's encoded value (a list: the sum of its elements),
--              kept up to date by every write
--   k    the liveness key's value (write.lua's header)
--   p    the pin flag: '0' when no field is pinned with a deadline (mode other than 'c' and
--        -1), so no field can expire while the conversation lives; '1' or missing (meta
--        written by an earlier version) when one may be. Set to '1' by every write that pins a
--        field, recomputed ('0'/'1') by every commit that reads all fields (a new
--        conversation, a renewal) and by the registration's purge of dead fields, which it
--        lets a write skip when '0'
-- Every decision (alive? which mode? is this id new?) is taken here, against TIME and this
-- hash, in the same atomic step as the write: no client-side belief enters a write.
-- Expiry seen through the API is exact: every script checks deadlines against TIME.
-- Values are stored as the client encoded them: no script ever decodes a user value.
-- Errors are raised before the first write of a script (addmsg takes back the id it indexed
-- before RPUSH found no list), so a failed call changes nothing.

-- The call's keys and arguments: set by `begin` (conversation operations) or `begin_bucket`
-- (registry.lua) at the start of every call. Redis runs one call at a time, so these
-- library-level variables are the call's own.
local KEYS, ARGV, META, MIDS, REGISTRY, BASE, DEFAULT_TTL, FIELD
local REG_EVERY = 10000
local MESSAGES = 'messages'
local EMPTY = '[]'
local EMPTY_MAP = '{}'
local TOMB = '\0convmem:tomb'
local CHUNK = 1000
-- Values of the message-id index (a hash: JSON-encoded id -> mark): a message in the history, or
-- one folded into a summary by compaction. Its entry '' holds the latest summary message.
local HELD = 'm'
local COMPACTED = 'c'

-- Starts a conversation operation: its keys and arguments, and the clock.
local function begin(keys, args)
  KEYS = keys
  ARGV = args
  META = keys[1]
  MIDS = keys[2]
  REGISTRY = keys[3]
  BASE = args[1]
  DEFAULT_TTL = tonumber(args[2])
  FIELD = args[3]
  clock()
end

-- Meta field `c` is binary: six little-endian doubles (struct.pack, which Redis's Lua has in C:
-- parsing decimal text costs a call more than the rest of a read), NONE standing for nil.
local NONE = -2
local STATE = '<dddddd'

local function some(x)
  if x == NONE then return nil end
  return x
end

-- The state in meta field `c` (nil: none) as a table { ttl, dl, pd, md, la, rg } (numbers or nil).
local function unpack_state(raw)
  if not raw then return {} end
  local ttl, dl, pd, md, la, rg = struct.unpack(STATE, raw)
  return { ttl = some(ttl), dl = some(dl), pd = some(pd), md = some(md), la = some(la), rg = some(rg) }
end

-- Only the deadline `dl` of meta field `c` (reads need nothing else).
local function state_dl(raw)
  if not raw then return nil end
  local _, dl = struct.unpack(STATE, raw)
  return some(dl)
end

-- Meta field `c` for the state `ttl, dl, pd, md, la, rg` (numbers or nil).
local function pack_state(ttl, dl, pd, md, la, rg)
  return struct.pack(STATE, ttl or NONE, dl or NONE, pd or NONE, md or NONE, la or NONE, rg or NONE)
end

-- Starts a read of one field (get, has, range, length), whose layout is shorter: KEYS[1] meta
-- hash, KEYS[2] field key; ARGV[1] field name, ARGV[2..] operation arguments.
local function begin_field(keys, args)
  KEYS = keys
  ARGV = args
  META = keys[1]
  FIELD = args[1]
  clock()
end

local function fail(code)
  return redis.error_reply('CONVMEM_' .. code)
end

local function fkey(field)
  return BASE .. field
end

-- Whether a field of mode `mode` of the conversation whose state is `s` is live now.
local function mode_alive(s, mode)
  return field_alive(s.dl, mode)
end

-- For a command run with pcall on a field key: true if it failed with WRONGTYPE (the field holds
-- the other kind of value). Any other error (an ACL refusal, …) is raised as it is, never taken
-- for a type mismatch.
local function wrongtype(err)
  local message = type(err) == 'table' and err.err or tostring(err)
  if string.find(message, 'WRONGTYPE', 1, true) then return true end
  error(err)
end

-- Reads a live field's value: { 1, raw } for a scalar, { 2, items } for a list, { 3, flat
-- key/value pairs } for a map, or nil.
local function read_value(key)
  local v = redis.pcall('GET', key)
  if type(v) == 'table' and v.err and wrongtype(v) then
    local ok, items = pcall(redis.call, 'LRANGE', key, 0, -1)
    if ok then return { 2, items } end
    wrongtype(items)
    return { 3, redis.call('HGETALL', key) }
  end
  if not v then return nil end
  return { 1, v }
end

-- All fields recorded in meta: { name = mode }, their sizes, and their names in order, from one
-- HGETALL.
local function all_fields()
  local flat = redis.call('HGETALL', META)
  local modes, sizes, order = {}, {}, {}
  local byte, sub = string.byte, string.sub
  for i = 1, #flat, 2 do
    local k = flat[i]
    -- By bytes ('f' 102, 's' 115, ':' 58): no string made for the prefix.
    local a, b = byte(k, 1, 2)
    if b == 58 then
      if a == 102 then
        local name = sub(k, 3)
        modes[name] = flat[i + 1]
        order[#order + 1] = name
      elseif a == 115 then
        sizes[sub(k, 3)] = tonumber(flat[i + 1])
      end
    end
  end
  return modes, sizes, order
end

-- Whether FIELD is live now: the liveness check of the reads of one field (get, has, range,
-- length), from meta alone.
local function field_live()
  local m = redis.call('HMGET', META, 'c', 'f:' .. FIELD)
  return mode_alive({ dl = state_dl(m[1]) }, m[2])
end

-- A list read of `key` failed with `err`: `empty` when the key holds the empty-list marker,
-- WRONGTYPE for a value of another kind; any other error (an ACL refusal) is raised as it is.
local function not_a_list(key, err, empty)
  wrongtype(err)
  if redis.pcall('GET', key) == EMPTY then return empty end
  return fail('WRONGTYPE')
end

-- A map read of `key` failed with `err`: `empty` when the key holds the empty-map marker,
-- WRONGTYPE for a value of another kind; any other error is raised as it is.
local function not_a_map(key, err, empty)
  wrongtype(err)
  if redis.pcall('GET', key) == EMPTY_MAP then return empty end
  return fail('WRONGTYPE')
end

-- The conversation's operation-id index (batches' `operationId`s): `<prefix>:ops:{<eid>}`,
-- beside META in the conversation's slot.
local function ops_key()
  local at = string.find(META, '{', 1, true)
  return string.sub(META, 1, at - 7) .. ':ops:' .. string.sub(META, at)
end

-- The conversation's liveness key: `<prefix>:live:{<eid>}`, beside META (write.lua's header).
local function live_key()
  local at = string.find(META, '{', 1, true)
  return string.sub(META, 1, at - 7) .. ':live:' .. string.sub(META, at)
end

-- The JSON-encoded id of a message element (`{"id":"..."` prefix), or nil.
local function msg_id(raw)
  if string.sub(raw, 1, 7) ~= '{"id":"' then return nil end
  local i = 8
  while true do
    local j = string.find(raw, '["\\]', i)
    if not j then return nil end
    if string.sub(raw, j, j) == '"' then return string.sub(raw, 7, j) end
    i = j + 2
  end
end

-- The 0-based index and the element of the message with JSON-encoded id `idj` in the list at
-- `key` of length n, searched from the newest end in growing chunks, so the cost is the
-- message's distance from that end; nil when no element has that id.
local function find_message(key, idj, n)
  local prefix = '{"id":' .. idj
  local len = #prefix
  local top, size = n - 1, 16
  while top >= 0 do
    local from = math.max(top - size + 1, 0)
    local chunk = redis.call('LRANGE', key, from - n, top - n)
    for j = #chunk, 1, -1 do
      local raw = chunk[j]
      if string.sub(raw, 1, len) == prefix then
        local after = string.sub(raw, len + 1, len + 1)
        if after == ',' or after == '}' then return from + j - 1, raw end
      end
    end
    top = from - 1
    if size < 1024 then size = size * 2 end
  end
  return nil
end

-- The length of the list at `key`: 0 for the empty-list marker, nil (and the error reply to
-- return) for a value of another kind.
local function history_length(key)
  local ok, n = pcall(redis.call, 'LLEN', key)
  if ok then return n end
  local r = not_a_list(key, n, 0)
  if r == 0 then return 0 end
  return nil, r
end

-- lib.lua: shared prelude, prepended to every convmem script when it is loaded.
--
-- KEYS[1] meta hash      <prefix>:meta:{<eid>}
-- KEYS[2] message ids    <prefix>:mids:{<eid>}
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
--   ttl  conversation TTL set by setTtl (seconds, -1 = never); absent -> ARGV[2]
--   dl   logical deadline (ms, server clock) of fields following the conversation TTL; -1 = never
--   pd   physical deadline (ms) of those fields' keys: renewed lazily to now + 2*TTL once dl
--        would pass it, so a write costs O(1) and memory is reclaimed within one TTL period
--   md   physical deadline of the meta hash itself (max of pd and pinned deadlines); -1 = never
--   la   last write (ms)
--   rg   when the conversation was last (re)registered in KEYS[3]; re-registered at most every
--        REG_EVERY ms, so the registry score is never ahead of `la` and lags it by < REG_EVERY
--   f:<field>  'c' (follows the conversation TTL) or the field's own deadline (ms; -1 = never)
--   s:<field>  UTF-8 bytes of the field's encoded value (a list: sum of its elements)
-- Expiry seen through the API is exact: every script checks deadlines against TIME.
-- Values are stored as the client encoded them: no script ever decodes a user value.
-- Errors are raised before the first write of a script, so a failed call changes nothing.

local META = KEYS[1]
local MIDS = KEYS[2]
local REGISTRY = KEYS[3]
local REG_EVERY = 10000
local BASE = ARGV[1]
local DEFAULT_TTL = tonumber(ARGV[2])
local FIELD = ARGV[3]
local MESSAGES = 'messages'
local EMPTY = '[]'
local TOMB = '\0convmem:tomb'
local CHUNK = 1000

local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function fail(code)
  return redis.error_reply('CONVMEM_' .. code)
end

local function fkey(field)
  return BASE .. field
end

-- Loads the conversation state and one field's mode/size.
local function load(field)
  local m = redis.call('HMGET', META, 'ttl', 'dl', 'pd', 'md', 'rg', 'f:' .. field, 's:' .. field)
  return { ttl = tonumber(m[1]), dl = tonumber(m[2]), pd = tonumber(m[3]), md = tonumber(m[4]),
           rg = tonumber(m[5]), mode = m[6] or nil, size = tonumber(m[7]) or 0 }
end

local function conv_alive(s)
  return s.dl ~= nil and (s.dl == -1 or NOW < s.dl)
end

local function mode_alive(s, mode)
  if not mode then return false end
  if mode == 'c' then return conv_alive(s) end
  local d = tonumber(mode)
  return d == -1 or NOW < d
end

-- All fields recorded in meta: { name = mode }, plus sizes, from one HGETALL.
local function all_fields()
  local flat = redis.call('HGETALL', META)
  local modes, sizes, order = {}, {}, {}
  for i = 1, #flat, 2 do
    local k, v = flat[i], flat[i + 1]
    local p = string.sub(k, 1, 2)
    if p == 'f:' then
      local name = string.sub(k, 3)
      modes[name] = v
      order[#order + 1] = name
    elseif p == 's:' then
      sizes[string.sub(k, 3)] = tonumber(v)
    end
  end
  return modes, sizes, order
end

local function drop_key(field)
  redis.call('DEL', fkey(field))
  if field == MESSAGES then redis.call('DEL', MIDS) end
end

-- Removes every dead field (physically and from meta).
local function purge_dead(s)
  local modes, _, order = all_fields()
  for _, name in ipairs(order) do
    if not mode_alive(s, modes[name]) then
      drop_key(name)
      redis.call('HDEL', META, 'f:' .. name, 's:' .. name)
    end
  end
end

-- Before a write: clears dead data, computes the new deadlines. Sets s.T, s.dl2, s.pd2, s.renew.
local function prepare(s, field)
  if s.dl ~= nil and s.dl ~= -1 and NOW >= s.dl then
    purge_dead(s)
    if s.mode == 'c' then s.mode = nil; s.size = 0 end
  end
  if s.mode and not mode_alive(s, s.mode) then
    drop_key(field)
    redis.call('HDEL', META, 'f:' .. field, 's:' .. field)
    s.mode = nil
    s.size = 0
  end
  local T = s.ttl or DEFAULT_TTL
  s.T = T
  if T == -1 then
    s.dl2 = -1
    s.pd2 = -1
    s.renew = s.pd ~= nil and s.pd ~= -1
  else
    s.dl2 = NOW + T * 1000
    if s.pd == nil or s.pd == -1 or s.pd < s.dl2 then
      s.pd2 = NOW + 2 * T * 1000
      s.renew = s.pd ~= nil
    else
      s.pd2 = s.pd
      s.renew = false
    end
  end
end

-- Gives a key the physical expiry `at` (ms; -1 = none).
local function expire_at(key, at)
  if at == -1 then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, at) end
end

local function expire_field(field, at)
  expire_at(fkey(field), at)
  if field == MESSAGES then expire_at(MIDS, at) end
end

-- The deadline of a field written now with mode `mode`.
local function deadline_of(s, mode)
  if mode == 'c' then return s.pd2 end
  return tonumber(mode)
end

-- After a write of `field` (mode, size): renews other fields if due, extends meta, records state.
local function commit(s, field, mode, size)
  if s.renew then
    local modes, _, order = all_fields()
    for _, name in ipairs(order) do
      if modes[name] == 'c' and name ~= field then expire_field(name, s.pd2) end
    end
  end
  local need = s.pd2
  if mode and mode ~= 'c' then
    local d = tonumber(mode)
    if d == -1 or need == -1 then need = -1 elseif d > need then need = d end
  end
  local md = s.md
  if need == -1 then
    if md ~= -1 then redis.call('PERSIST', META); md = -1 end
  elseif md ~= -1 and (md == nil or need > md) then
    md = need
  else
    need = nil
  end
  local rg = s.rg
  if rg == nil or NOW - rg >= REG_EVERY or NOW < rg then
    redis.call('ZADD', REGISTRY, NOW, string.match(META, '^[^{]*{(.*)}$'))
    rg = NOW
  end
  if mode then
    redis.call('HSET', META, 'dl', s.dl2, 'pd', s.pd2, 'md', md or -1, 'la', NOW, 'rg', rg,
      'f:' .. field, mode, 's:' .. field, size)
  else
    redis.call('HSET', META, 'dl', s.dl2, 'pd', s.pd2, 'md', md or -1, 'la', NOW, 'rg', rg)
  end
  if need and need ~= -1 then redis.call('PEXPIREAT', META, need) end
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

local function index_ids(items, from, to, add)
  for i = from, to do
    local id = msg_id(items[i])
    if id then redis.call(add and 'SADD' or 'SREM', MIDS, id) end
  end
end

-- RPUSH items[from..to] in chunks (Lua's unpack has a stack limit). Returns the new length.
local function rpush(key, items, from, to)
  local n = 0
  local i = from
  while i <= to do
    local j = math.min(i + CHUNK - 1, to)
    n = redis.call('RPUSH', key, unpack(items, i, j))
    i = j + 1
  end
  return n
end

local function sum_bytes(items, from, to)
  local total = 0
  for i = from, to do total = total + #items[i] end
  return total
end

-- For a command run with pcall on a field key: true if it failed with WRONGTYPE (the field holds
-- the other kind of value). Any other error (an ACL refusal, …) is raised as it is, never taken
-- for a type mismatch.
local function wrongtype(err)
  local message = type(err) == 'table' and err.err or tostring(err)
  if string.find(message, 'WRONGTYPE', 1, true) then return true end
  error(err)
end

-- Reads a live field's value: { 1, raw } for a scalar, { 2, items } for a list, or nil.
local function read_value(key)
  local v = redis.pcall('GET', key)
  if type(v) == 'table' and v.err and wrongtype(v) then return { 2, redis.call('LRANGE', key, 0, -1) } end
  if not v then return nil end
  return { 1, v }
end

-- Classifies a field for a list operation: 'none' (missing or empty list), 'list', or
-- returns false for a non-list value. Deletes an empty-list marker so RPUSH can create the list.
local function list_state(s, key, for_write)
  if not mode_alive(s, s.mode) then return 'none' end
  local ty = redis.call('TYPE', key)['ok']
  if ty == 'list' then return 'list' end
  if ty == 'none' then return 'none' end
  if ty == 'string' and redis.call('GET', key) == EMPTY then
    if for_write then redis.call('DEL', key) end
    return 'none'
  end
  return false
end

-- Writes a whole value: kind 's' (items[from] is the raw JSON) or 'l' (items[from..to] elements).
-- Returns its size in bytes.
local function write_value(s, field, key, kind, items, from, to, mode)
  local at = deadline_of(s, mode)
  if field == MESSAGES then redis.call('DEL', MIDS) end
  if kind == 's' then
    if at == -1 then redis.call('SET', key, items[from]) else redis.call('SET', key, items[from], 'PXAT', at) end
    return #items[from]
  end
  if to < from then
    if at == -1 then redis.call('SET', key, EMPTY) else redis.call('SET', key, EMPTY, 'PXAT', at) end
    return 0
  end
  redis.call('DEL', key)
  rpush(key, items, from, to)
  if field == MESSAGES then
    index_ids(items, from, to, true)
    if at ~= -1 and redis.call('EXISTS', MIDS) == 1 then redis.call('PEXPIREAT', MIDS, at) end
  end
  if at ~= -1 then redis.call('PEXPIREAT', key, at) end
  return sum_bytes(items, from, to)
end

-- Removes the element at 0-based index i of a list of length n (a middle element via a
-- tombstone, as lists have no remove-by-index).
local function remove_index(key, i, n)
  if i == 0 then
    redis.call('LPOP', key)
  elseif i == n - 1 then
    redis.call('RPOP', key)
  else
    redis.call('LSET', key, i, TOMB)
    redis.call('LREM', key, 1, TOMB)
  end
end

-- After a list operation left `key` empty: keep it as an (expiring) empty list.
local function keep_empty(key, at)
  if redis.call('EXISTS', key) == 0 then
    if at == -1 then redis.call('SET', key, EMPTY) else redis.call('SET', key, EMPTY, 'PXAT', at) end
  end
end


-- write.lua: write helpers, loaded after live.lua and state.lua (whose locals it uses).
--
-- Physical expiry. Fields that follow the conversation TTL T expire logically at `dl` (checked
-- against TIME by every script); their keys expire physically at `pd`, renewed lazily to
-- NOW + 2T once dl would pass it (one PEXPIREAT per field every T, not per write). So for
-- every key: dl <= pd <= dl + T. A pinned field's key expires exactly at its own deadline; the
-- message-id index expires with the history; the meta hash at the latest of them (`md`).

-- Loads the conversation state and one field's mode/size.
local function load(field)
  local m = redis.call('HMGET', META, 'c', 'f:' .. field, 's:' .. field)
  local s = unpack_state(m[1])
  s.mode = m[2] or nil
  s.old = s.mode
  s.size = tonumber(m[3]) or 0
  return s
end

local function drop_key(field)
  redis.call('DEL', fkey(field))
  if field == MESSAGES then redis.call('DEL', MIDS) end
end

local function forget(field)
  redis.call('HDEL', META, 'f:' .. field, 's:' .. field)
end

-- Removes every dead field (physically and from meta).
-- Returns the number of live fields left.
local function purge_dead(s)
  local modes, _, order = all_fields()
  local live = 0
  for _, name in ipairs(order) do
    if not mode_alive(s, modes[name]) then
      drop_key(name)
      forget(name)
    else
      live = live + 1
    end
  end
  return live
end

-- Before a write: clears dead data, computes the new deadlines. Sets s.T, s.dl2, s.pd2, s.renew.
-- A conversation that has expired entirely also loses its setTtl value (unless s.keep_ttl):
-- the write starts a new conversation, with the default TTL.
local function prepare(s, field)
  if s.dl ~= nil and s.dl ~= -1 and NOW >= s.dl then
    if purge_dead(s) == 0 and s.ttl ~= nil and not s.keep_ttl then
      s.ttl = nil
      -- Recorded now (commit rewrites it), also for a call that fails after this point.
      redis.call('HSET', META, 'c', pack_state(nil, s.dl, s.pd, s.md, s.la, s.rg))
    end
    if s.mode == 'c' then s.mode = nil; s.size = 0 end
  end
  if s.mode and not mode_alive(s, s.mode) then
    drop_key(field)
    forget(field)
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
    -- Renewed when the new deadline would pass it, and also when it lies more than one TTL
    -- beyond it (the TTL got shorter: another manager's defaultTtl), so pd <= dl + T holds.
    if s.pd == nil or s.pd == -1 or s.pd < s.dl2 or s.pd > s.dl2 + T * 1000 then
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

-- True when a list that existed before this write (st == 'list') already expires at `at`: it
-- follows the conversation TTL and this write does not move the physical deadline. Saves the
-- PEXPIREAT of most list writes.
local function expiry_kept(s, st, at)
  return st == 'list' and s.mode == 'c' and at == s.pd
end

local function expire_field(field, at)
  expire_at(fkey(field), at)
  if field == MESSAGES then expire_at(MIDS, at) end
end

-- After a write of the list field FIELD at `key` (st: its list_state before the write): gives it
-- the physical expiry `at` unless it already has it. The history's id index is always given
-- the same expiry (the write may have created it, or the history's expiry may have moved), so
-- it lives exactly as long as the history.
local function expire_list(s, st, key, at)
  if not expiry_kept(s, st, at) then expire_at(key, at) end
  if FIELD == MESSAGES then expire_at(MIDS, at) end
end

-- The deadline of a field written now with mode `mode`.
local function deadline_of(s, mode)
  if mode == 'c' then return s.pd2 end
  return tonumber(mode)
end

-- The later of two physical deadlines (ms; -1 = never; nil = none).
local function later(a, b)
  if a == nil then return b end
  if b == nil then return a end
  if a == -1 or b == -1 then return -1 end
  if b > a then return b end
  return a
end

-- After a write of `field` (its new mode and size; mode nil when the write removed it; s.mode
-- its mode as stored now, so an unchanged mode is not written again): renews
-- the other fields' physical expiry if due, records state, gives the meta hash the expiry it
-- needs. The meta's expiry is recomputed from every pin when a renewal ran, when a pin was
-- released (this field was pinned), or when meta had none; otherwise it only ever grows.
local function commit(s, field, mode, size)
  local modes, sizes, order
  local recompute = s.renew or s.md == nil or (s.old ~= nil and s.old ~= 'c')
  if recompute then modes, sizes, order = all_fields() end
  if s.renew then
    for _, name in ipairs(order) do
      if modes[name] == 'c' and name ~= field then expire_field(name, s.pd2) end
    end
  end
  local need = s.pd2
  if mode and mode ~= 'c' then need = later(need, tonumber(mode)) end
  if recompute then
    for _, name in ipairs(order) do
      local m = modes[name]
      if name ~= field and m ~= 'c' then need = later(need, tonumber(m)) end
    end
  else
    need = later(need, s.md)
  end
  local rg = s.rg
  if rg == nil or NOW - rg >= REG_EVERY or NOW < rg then
    redis.call('ZADD', REGISTRY, NOW, string.match(META, '^[^{]*{(.*)}$'))
    rg = NOW
    -- Same cadence (at most every REG_EVERY): forget fields whose own TTL has passed, so a
    -- conversation that never expires as a whole does not collect dead entries in its meta.
    if s.rg ~= nil then purge_dead(s) end
  end
  local state = pack_state(s.ttl, s.dl2, s.pd2, need, NOW, rg)
  if not mode then
    redis.call('HSET', META, 'c', state)
  elseif mode == s.mode then
    redis.call('HSET', META, 'c', state, 's:' .. field, size)
  else
    redis.call('HSET', META, 'c', state, 'f:' .. field, mode, 's:' .. field, size)
  end
  -- After the HSET: on a new conversation it creates the hash, which an earlier PEXPIREAT
  -- would have missed.
  if need ~= s.md then
    if need == -1 then redis.call('PERSIST', META) else redis.call('PEXPIREAT', META, need) end
  end
end

-- Adds (or removes) the ids of the messages items[from..to] to (from) the id index, in as few
-- calls as Lua's unpack allows (CHUNK ids each). With `mark` 'c' the ids are recorded as
-- compacted (folded into a summary) instead of held.
local function index_ids(items, from, to, add, mark)
  local args = {}
  for i = from, to do
    local id = msg_id(items[i])
    if id then
      args[#args + 1] = id
      if add then args[#args + 1] = mark or HELD end
    end
  end
  local cmd = add and 'HSET' or 'HDEL'
  local step = add and 2 * CHUNK or CHUNK
  for i = 1, #args, step do
    redis.call(cmd, MIDS, unpack(args, i, math.min(i + step - 1, #args)))
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

-- Classifies a field for a list operation: 'none' (missing or empty list), 'list', or
-- returns false for a non-list value. Deletes an empty-list marker so RPUSH can create the list.
-- A 'none' field's key may still exist (a dead field not yet reclaimed): for a write it is
-- deleted too.
local function list_state(s, key, for_write)
  if not mode_alive(s, s.mode) then
    if for_write then redis.call('DEL', key) end
    s.size = 0
    return 'none'
  end
  local ty = redis.call('TYPE', key)['ok']
  if ty == 'list' then return 'list' end
  if ty == 'none' then s.size = 0; return 'none' end
  if ty == 'string' and redis.call('GET', key) == EMPTY then
    if for_write then redis.call('DEL', key) end
    s.size = 0
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
-- tombstone, as lists have no remove-by-index), walking from the nearer end.
local function remove_index(key, i, n)
  if i == 0 then
    redis.call('LPOP', key)
  elseif i == n - 1 then
    redis.call('RPOP', key)
  elseif 2 * i >= n then
    -- Nearer the tail: addressed and searched from there, so the cost is the distance from it.
    redis.call('LSET', key, i - n, TOMB)
    redis.call('LREM', key, -1, TOMB)
  else
    redis.call('LSET', key, i, TOMB)
    redis.call('LREM', key, 1, TOMB)
  end
end

-- Rotation: drops the oldest elements of a list of length n beyond max (nil = unbounded),
-- forgetting their message ids. Returns the new length and the bytes dropped.
local function trim_oldest(key, n, max)
  if not max or n <= max then return n, 0 end
  local dropped = redis.call('LPOP', key, n - max)
  if FIELD == MESSAGES then index_ids(dropped, 1, #dropped, false) end
  return max, sum_bytes(dropped, 1, #dropped)
end

-- After a list operation left `key` empty: keep it as an (expiring) empty list.
local function keep_empty(key, at)
  if redis.call('EXISTS', key) == 0 then
    if at == -1 then redis.call('SET', key, EMPTY) else redis.call('SET', key, EMPTY, 'PXAT', at) end
  end
end


-- The index of the closing quote of the JSON string whose opening quote is raw[i], or nil.
local function string_end(raw, i)
  local k = i + 1
  while true do
    local j = string.find(raw, '["\\]', k)
    if not j then return nil end
    if string.byte(raw, j) == 34 then return j end
    k = j + 2
  end
end

-- A stored message cut around its content and its metadata: head (up to `"content":`), content
-- (a JSON string), middle (`,"timestamp":<ms>,"metadata":`), metadata (a JSON object); nil when
-- `raw` is not laid out as convmem stores a message (messages.ts: id, role, content, timestamp,
-- metadata, in that order). Only the string boundaries are scanned: nothing is decoded.
local function message_parts(raw)
  if string.sub(raw, 1, 7) ~= '{"id":"' then return nil end
  local e = string_end(raw, 7)
  if not e or string.sub(raw, e + 1, e + 9) ~= ',"role":"' then return nil end
  e = string_end(raw, e + 9)
  if not e or string.sub(raw, e + 1, e + 12) ~= ',"content":"' then return nil end
  local c0 = e + 12
  e = string_end(raw, c0)
  if not e then return nil end
  local _, t1 = string.find(raw, '^,"timestamp":%d+,"metadata":', e + 1)
  if not t1 or string.byte(raw, -1) ~= 125 then return nil end
  return string.sub(raw, 1, c0 - 1), string.sub(raw, c0, e), string.sub(raw, e + 1, t1), string.sub(raw, t1 + 1, -2)
end

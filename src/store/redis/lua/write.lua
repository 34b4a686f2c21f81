-- write.lua: write helpers, loaded after live.lua and state.lua (whose locals it uses).
--
-- Physical expiry. Fields that follow the conversation TTL T expire logically at `dl` (checked
-- against TIME by every script). Their keys expire physically:
-- - the history (`messages`) exactly at `dl - 1` (Redis keeps a key while its clock is at most
--   its expiry, so the key exists exactly while NOW < dl), moved by every write that moves dl:
--   its newest messages are then one plain LRANGE (redis-store.ts), exact without a script;
-- - every other field's key at `pd`, renewed lazily to NOW + 2T once dl would pass it (one
--   PEXPIREAT per field every T, not per write), so a write costs O(1) however many fields
--   the conversation holds: dl <= pd <= dl + T. Reads of those are scripts that check dl.
-- A pinned field's key expires at its own deadline - 1. The meta hash and the two indexes
-- expire at `md` (commit).
--
-- The liveness key `<prefix>:live:{<eid>}` (a string) exists exactly while the conversation
-- lives (NOW < dl): its expiry, like the history's, is `dl - 1`, moved by every write that moves
-- dl. Its value (kept in meta field `k` too) names the fields that may be lists or maps:
-- '1' then '\n' .. name .. '\n' per field (backslash and newline escaped), a superset, as a name
-- is added when a write makes that field a list or a map and dropped only when the
-- conversation starts over; '*' when that is not known (a conversation written by an earlier
-- version, or more than LIVE_MAX bytes of names). So `get` is one plain MGET of the liveness
-- key and the field's key (redis-store.ts): with the liveness key there, a string at the field's
-- key is its live value (a field following the conversation lives while the conversation does;
-- a pinned field's key expires exactly), and no string means no value unless the field is named
-- in the liveness key's value; anything else is answered by the `get` function.
local LIVE_MAX = 1024
local LIVE_ESC = { ['\\'] = '\\\\', ['\n'] = '\\n' }

-- A field name as the liveness key's value holds it, between newlines.
local function live_name(name)
  return '\n' .. string.gsub(name, '[\\\n]', LIVE_ESC) .. '\n'
end

-- The history's meta entries (its mode and size).
local F_HIST, S_HIST = 'f:' .. MESSAGES, 's:' .. MESSAGES

-- The straight-line writes of the common cases (add_message_fast and, for a conversation's
-- first message, add_message_new; set_scalar_fast) are taken when they apply. test/redis/fast-paths.test.ts runs each operation with them and, on the same
-- state at the same server time, without them (it sets this to false), and compares.
local FAST_PATHS = true

-- Reads meta for a write of `field`: the conversation state, the field's mode and size, the
-- history's mode, the liveness key's value and the pin flag `p` (state.lua's header). O(1): the whole meta hash is read only when
-- every field's key is renewed (commit, once per TTL). The history's entries are asked for once
-- when it is the field (addMessage).
local function read_meta(field)
  if field == MESSAGES then return redis.call('HMGET', META, 'c', F_HIST, S_HIST, 'k', 'p') end
  return redis.call('HMGET', META, 'c', 'f:' .. field, 's:' .. field, F_HIST, 'k', 'p')
end

-- The state of a write of `field` from read_meta's reply `m`.
local function state_of(field, m)
  local hist, k, p
  if field == MESSAGES then
    hist, k, p = m[2], m[4], m[5]
  else
    hist, k, p = m[4], m[5], m[6]
  end
  local ttl, dl, pd, md, la, rg
  local raw = m[1]
  if raw then
    ttl, dl, pd, md, la, rg = struct.unpack(STATE, raw)
    ttl, dl, pd, md, la, rg = some(ttl), some(dl), some(pd), some(md), some(la), some(rg)
  end
  -- One constructor with every field a write sets later (Lua sizes the table for them all, so it
  -- is never rehashed as the write goes on). k0: the liveness key's value as meta records it;
  -- k: what it is to be (prepare, commit).
  return {
    ttl = ttl, dl = dl, pd = pd, md = md, la = la, rg = rg,
    mode = m[2] or nil, old = m[2] or nil, size = tonumber(m[3]) or 0, hist = hist or nil,
    k0 = k or nil, k = k or nil, p = p or nil, container = false, keep_ttl = false,
    T = 0, dl2 = 0, pd2 = 0, xd2 = 0, renew = false, index = false,
  }
end

-- Loads the state of a write of `field` (read_meta, state_of).
local function load(field)
  return state_of(field, read_meta(field))
end

local function drop_key(field)
  redis.call('DEL', fkey(field))
  if field == MESSAGES then redis.call('DEL', MIDS) end
end

local function forget(field)
  redis.call('HDEL', META, 'f:' .. field, 's:' .. field)
end

-- Whether mode `mode` is a pin with a deadline (a field that can expire before the conversation).
local function finite_pin(mode)
  return mode ~= nil and mode ~= 'c' and mode ~= '-1'
end

-- Removes every dead field (physically and from meta).
-- Returns the number of live fields left, and whether one of them is a finite pin.
local function purge_dead(s)
  local modes, _, order = all_fields()
  local live, pinned = 0, false
  for _, name in ipairs(order) do
    local mode = modes[name]
    if not mode_alive(s, mode) then
      drop_key(name)
      forget(name)
    else
      live = live + 1
      if finite_pin(mode) then pinned = true end
    end
  end
  return live, pinned
end

-- Before a write: clears dead data, computes the new deadlines. Sets s.T, s.dl2, s.pd2, s.renew.
-- A conversation that has expired entirely also loses its setTtl value (unless s.keep_ttl):
-- the write starts a new conversation, with the default TTL.
local function prepare(s, field)
  if s.dl ~= nil and s.dl ~= -1 and NOW >= s.dl then
    local live = purge_dead(s)
    -- Operation ids are remembered while the conversation lives, and not after; no field is
    -- left that could be a list or a map.
    if live == 0 then
      redis.call('DEL', ops_key())
      s.k = '1\n'
    end
    if live == 0 and s.ttl ~= nil and not s.keep_ttl then
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
    s.xd2 = -1
    s.renew = s.pd ~= nil and s.pd ~= -1
  else
    s.dl2 = NOW + T * 1000
    s.xd2 = s.dl2 - 1
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

-- A whole number (a time in ms, a size) as a command argument: formatted as an integer, because
-- Redis formats a Lua number argument with %.17g, several times the cost.
local function int(n)
  return string.format('%d', n)
end

-- Gives a key the physical expiry `at` (ms; -1 = none).
local function expire_at(key, at)
  if at == -1 then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, int(at)) end
end

-- Records in the registry bucket that the conversation was written now (its score: NOW).
local function register()
  redis.call('ZADD', REGISTRY, int(NOW), string.match(META, '^[^{]*{(.*)}$'))
end

-- The physical expiry a key of a field following the conversation TTL has now (before this
-- write): the history's is exact (dl - 1), the others' lazy (pd).
local function kept_at(s, field)
  if field == MESSAGES then
    if s.dl == nil or s.dl == -1 then return s.dl end
    return s.dl - 1
  end
  return s.pd
end

-- True when a list that existed before this write (st == 'list') already expires at `at`: it
-- follows the conversation TTL and this write does not move the physical deadline. Saves the
-- PEXPIREAT of most list writes.
local function expiry_kept(s, st, at)
  return st == 'list' and s.mode == 'c' and at == kept_at(s, FIELD)
end

local function expire_field(field, at)
  expire_at(fkey(field), at)
end

-- After a write of the list field FIELD at `key` (st: its list_state before the write): gives it
-- the physical expiry `at` unless it already has it. A write of the history may have created
-- the id index: commit gives it its expiry (`s.index`).
local function expire_list(s, st, key, at)
  if not expiry_kept(s, st, at) then expire_at(key, at) end
  if FIELD == MESSAGES then s.index = true end
end

-- The physical expiry of field `field` (default FIELD) written now with mode `mode`.
local function deadline_of(s, mode, field)
  if mode == 'c' then
    if (field or FIELD) == MESSAGES then return s.xd2 end
    return s.pd2
  end
  local d = tonumber(mode)
  if d == -1 then return -1 end
  return d - 1
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
-- its mode as stored now, so an unchanged mode is not written again): renews the other fields'
-- keys if due (s.renew, once per TTL period) and the history's at every move of the deadline,
-- records state, and gives the meta hash, the message-id index and the operation-id index
-- their expiry `md`: the latest expiry of any field key. `md` is recomputed from every pin when
-- a renewal ran, when a pin was released (this field was pinned), or when meta had none;
-- otherwise it only ever grows. The indexes are read by scripts only (which check dl), so
-- living up to one TTL longer than the fields costs nothing but memory. A write that may have
-- created the message-id index (`s.index`) gives it `md` at once.
local function commit(s, field, mode, size)
  local modes, sizes, order
  local recompute = s.renew or s.md == nil or (s.old ~= nil and s.old ~= 'c')
  if recompute then modes, sizes, order = all_fields() end
  if s.renew then
    for _, name in ipairs(order) do
      if modes[name] == 'c' and name ~= field then expire_field(name, deadline_of(s, 'c', name)) end
    end
  elseif field ~= MESSAGES and s.hist == 'c' and s.xd2 ~= kept_at(s, MESSAGES) then
    -- The history's expiry is exact: moved with the deadline by every write.
    expire_field(MESSAGES, s.xd2)
  end
  local need = s.pd2
  if mode and mode ~= 'c' then need = later(need, tonumber(mode)) end
  -- The pin flag (state.lua's header): '0' only when no field is a finite pin; known whenever
  -- every field is read here.
  local pin = finite_pin(mode)
  local p = s.p
  if pin then p = '1' end
  if recompute then
    for _, name in ipairs(order) do
      local m = modes[name]
      if name ~= field and m ~= 'c' then
        need = later(need, tonumber(m))
        if finite_pin(m) then pin = true end
      end
    end
    p = pin and '1' or '0'
  else
    need = later(need, s.md)
  end
  local rg = s.rg
  if rg == nil or NOW - rg >= REG_EVERY or NOW < rg then
    register()
    rg = NOW
    -- Same cadence (at most every REG_EVERY): forget fields whose own TTL has passed, so a
    -- conversation that never expires as a whole does not collect dead entries in its meta.
    -- Only a finite pin can be dead while the conversation lives: with none (p '0'), there is
    -- nothing to forget.
    if s.rg ~= nil and s.p ~= '0' then
      local _, pinned = purge_dead(s)
      p = (pinned or finite_pin(mode)) and '1' or '0'
    end
  end
  -- The liveness key: written when it is missing (the conversation was not live) or its value
  -- changes, else its expiry moved with the deadline.
  local k = s.k
  local alive = s.dl ~= nil and (s.dl == -1 or NOW < s.dl)
  if k == nil then
    -- None recorded: a new conversation, or one written by an earlier version (then which of
    -- its fields are lists or maps is not known).
    if s.dl ~= nil then k = '*' else k = '1\n' end
  end
  if s.container and field ~= '' and string.byte(k) == 49 then
    local name = live_name(field)
    if not string.find(k, name, 1, true) then
      k = string.sub(k, 1, -2) .. name
      if #k > LIVE_MAX then k = '*' end
    end
  end
  local state = pack_state(s.ttl, s.dl2, s.pd2, need, NOW, rg)
  if k ~= s.k0 or not alive then
    if s.xd2 == -1 then redis.call('SET', live_key(), k) else redis.call('SET', live_key(), k, 'PXAT', int(s.xd2)) end
    -- The pin flag rides along (unknown, nil, is recorded as '1': the same meaning).
    if not mode then
      redis.call('HSET', META, 'c', state, 'k', k, 'p', p or '1')
    else
      redis.call('HSET', META, 'c', state, 'f:' .. field, mode, 's:' .. field, int(size), 'k', k, 'p', p or '1')
    end
  else
    if s.xd2 ~= kept_at(s, MESSAGES) then expire_at(live_key(), s.xd2) end
    if not mode then
      redis.call('HSET', META, 'c', state)
    elseif mode == s.mode then
      redis.call('HSET', META, 'c', state, 's:' .. field, int(size))
    else
      redis.call('HSET', META, 'c', state, 'f:' .. field, mode, 's:' .. field, int(size))
    end
    if p ~= s.p then redis.call('HSET', META, 'p', p) end
  end
  -- After the HSET: on a new conversation it creates the hash, which an earlier PEXPIREAT
  -- would have missed.
  if need ~= s.md then
    expire_at(META, need)
    expire_at(MIDS, need)
    expire_at(ops_key(), need) -- a PEXPIREAT of a missing key changes nothing
  elseif s.index then
    expire_at(MIDS, need)
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

-- Classifies a field for a list or map operation: 'none' (missing, expired, or the empty marker
-- `marker`), `found` when its key is of Redis type `rtype`, or false for a value of another kind.
-- For a write, deletes a marker or stale key (a dead field not yet reclaimed) so RPUSH / HSET can
-- create the key.
local function container_state(s, key, for_write, rtype, marker, found)
  if not mode_alive(s, s.mode) then
    if for_write then redis.call('DEL', key) end
    s.size = 0
    return 'none'
  end
  local ty = redis.call('TYPE', key)['ok']
  if ty == rtype then return found end
  if ty == 'none' then s.size = 0; return 'none' end
  if ty == 'string' and redis.call('GET', key) == marker then
    if for_write then redis.call('DEL', key) end
    s.size = 0
    return 'none'
  end
  return false
end

-- A field for a list operation: 'none', 'list', or false (see container_state).
local function list_state(s, key, for_write)
  return container_state(s, key, for_write, 'list', EMPTY, 'list')
end

-- Writes a whole value: kind 's' (items[from] is the raw JSON) or 'l' (items[from..to] elements).
-- Returns its size in bytes.
local function write_value(s, field, key, kind, items, from, to, mode)
  local at = deadline_of(s, mode, field)
  if field == MESSAGES then redis.call('DEL', MIDS) end
  if kind == 's' then
    if at == -1 then redis.call('SET', key, items[from]) else redis.call('SET', key, items[from], 'PXAT', int(at)) end
    return #items[from]
  end
  if to < from then
    if at == -1 then redis.call('SET', key, EMPTY) else redis.call('SET', key, EMPTY, 'PXAT', at) end
    return 0
  end
  redis.call('DEL', key)
  rpush(key, items, from, to)
  s.container = true
  if field == MESSAGES then
    index_ids(items, from, to, true)
    s.index = true
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

-- A field for a map operation: 'none', 'map', or false (see container_state).
local function map_state(s, key, for_write)
  return container_state(s, key, for_write, 'hash', EMPTY_MAP, 'map')
end

-- Gives a field key that existed before this write (`existed`) or was just created the expiry
-- `at`, unless it already has it.
local function expire_value(s, existed, key, at)
  if not (existed and s.mode == 'c' and at == kept_at(s, FIELD)) then expire_at(key, at) end
end

-- Sets key `k` of the map field `field` (at `key`, map_state `st`) to `v`. Returns the field's
-- new size and 1 if `k` is new, else 0. A map's size is the bytes of its keys and values.
local function map_put(s, key, st, k, v)
  local old = 0
  if st == 'map' then old = redis.call('HSTRLEN', key, k) end
  redis.call('HSET', key, k, v)
  if st ~= 'map' then s.container = true end
  if old > 0 then return s.size - old + #v, 0 end
  return s.size + #k + #v, 1
end

-- Removes key `k` of a live map at `key`; returns the bytes it took (0: it was not there). An
-- emptied map stays as the empty-map marker, expiring at `at`.
local function map_remove(key, k, at)
  local old = redis.call('HSTRLEN', key, k)
  if old == 0 then return 0 end
  redis.call('HDEL', key, k)
  if redis.call('EXISTS', key) == 0 then
    if at == -1 then redis.call('SET', key, EMPTY_MAP) else redis.call('SET', key, EMPTY_MAP, 'PXAT', at) end
  end
  return old + #k
end

-- Writes a whole map (flat key/value pairs items[from..to]) at `key`. Returns its size.
local function write_map(key, items, from, to, at)
  redis.call('DEL', key)
  if to < from then
    if at == -1 then redis.call('SET', key, EMPTY_MAP) else redis.call('SET', key, EMPTY_MAP, 'PXAT', at) end
    return 0
  end
  local i = from
  while i <= to do
    local j = math.min(i + 2 * CHUNK - 1, to)
    redis.call('HSET', key, unpack(items, i, j))
    i = j + 1
  end
  if at ~= -1 then redis.call('PEXPIREAT', key, at) end
  return sum_bytes(items, from, to)
end

-- After addMessage's RPUSH of the message `raw` (the stored JSON) with id `id` to the history at
-- `key` (st: its list_state before; n: RPUSH's reply): the rest of the write. Returns addmsg's
-- reply.
local function pushed(s, key, st, id, raw, n, max)
  if type(n) == 'table' and n.err then
    -- Not a list: the id is taken back, so the failed call changes nothing.
    wrongtype(n)
    redis.call('HDEL', MIDS, id)
    return fail('WRONGTYPE')
  end
  if n == 1 then st = 'none' end -- the key had gone (removed outside convmem): give it its expiry
  -- A list that was there is named in the liveness key already (the write that made it named
  -- it), or the key reads '*'.
  if st ~= 'list' then s.container = true end
  local dropped
  n, dropped = trim_oldest(key, n, max)
  local size = s.size + #raw - dropped
  local at = deadline_of(s, 'c')
  if not expiry_kept(s, st, at) then expire_at(key, at) end
  -- The id index has its expiry (commit), unless the HSETNX before created it (a new history, or
  -- one none of whose messages had an id indexed): then the id is its only entry. HLEN is a
  -- read: cheaper than a write.
  if st == 'none' or redis.call('HLEN', MIDS) == 1 then s.index = true end
  commit(s, MESSAGES, 'c', size)
  return { 1, NOW }
end

-- Appends a message to the history at `key` (FIELD is MESSAGES; `s` loaded and prepared) unless
-- the id index holds its JSON-encoded id `id`: the stored JSON is `head .. timestamp .. tail`;
-- `max` keeps the newest (nil = unbounded). Returns addmsg's reply (addmsg-4.lua).
local function add_message(s, key, id, head, tail, max)
  -- A live field with bytes is a non-empty list or a value of another kind (the smallest JSON
  -- value has one byte), told apart by RPUSH below; only a new, expired or empty history needs
  -- looking at (it may be missing, an empty-list marker or a stale key).
  local st = 'list'
  if s.size == 0 or not mode_alive(s, s.mode) then
    st = list_state(s, key, true)
    if not st then return fail('WRONGTYPE') end
  end
  if redis.call('HSETNX', MIDS, id, HELD) == 0 then
    -- A redelivery: the stored message, or the summary it was folded into.
    if redis.call('HGET', MIDS, id) == COMPACTED then
      local summary = redis.call('HGET', MIDS, '')
      if summary then return { 0, summary } end
    else
      local ok, n = pcall(redis.call, 'LLEN', key)
      if not ok then
        wrongtype(n)
        return fail('WRONGTYPE')
      end
      local _, raw = find_message(key, id, n)
      if raw then return { 0, raw } end
    end
    -- Not found (an index entry left by data written outside convmem): added again.
    redis.call('HSET', MIDS, id, HELD)
  end
  local raw = head .. string.format('%d', NOW) .. tail
  return pushed(s, key, st, id, raw, redis.pcall('RPUSH', key, raw), max)
end

-- What the fast paths need of the state in meta field `c` (`p`: the pin flag), or nil when the
-- general path must run: a live conversation with a finite TTL, whose lazy renewal is not due
-- and whose registration is not due or, with no finite pin, is one ZADD. Returns the TTL as
-- stored (ttl0), dl, pd, md, rg, the new deadline dl2 and whether to re-register.
local function fast_state(c, p)
  local ttl0, dl, pd, md, _, rg = struct.unpack(STATE, c)
  local ttl = ttl0
  if ttl == NONE then ttl = DEFAULT_TTL end
  if ttl == -1 or dl == NONE or dl == -1 or NOW >= dl or md == NONE then return nil end
  local reg = rg == NONE or NOW - rg >= REG_EVERY or NOW < rg
  -- Without a finite pin (p '0') commit's purge has nothing to forget.
  if reg and rg ~= NONE and p ~= '0' then return nil end
  local span = ttl * 1000
  local dl2 = NOW + span
  if pd == NONE or pd == -1 or pd < dl2 or pd > dl2 + span then return nil end
  return ttl0, dl, pd, md, rg, dl2, reg
end

-- The end of a fast path, after its own write (fast_state's values; `history`: the history's key
-- when its expiry follows the conversation, else nil; `index`: the id index was just created;
-- `...`: the meta fields the write sets beside the state): re-registers if due, moves the
-- history's and the liveness key's expiry with the deadline (exactly dl - 1; the liveness key's
-- value stays), records the state and gives meta and the indexes their expiry if it grew.
local function fast_commit(ttl0, dl, pd, md, rg, dl2, reg, history, index, ...)
  if reg then
    register()
    rg = NOW
  end
  local xd2 = dl2 - 1
  if xd2 ~= dl - 1 then
    local at = int(xd2) -- once, as an integer
    if history then redis.call('PEXPIREAT', history, at) end
    redis.call('PEXPIREAT', live_key(), at)
  end
  local need = md
  if md ~= -1 and pd > md then need = pd end
  redis.call('HSET', META, 'c', struct.pack(STATE, ttl0, dl2, pd, need, NOW, rg), ...)
  if need ~= md then
    expire_at(META, need)
    expire_at(MIDS, need)
    expire_at(ops_key(), need)
  elseif index then
    expire_at(MIDS, need)
  end
end

-- addMessage on a conversation that does not exist (meta's reply `m` all nil, and no meta hash),
-- with a finite default TTL, in straight-line code: the general path's decisions and commands
-- for that state, but one. The general path deletes the history's key before the RPUSH (a stale
-- key: left by eviction, or written outside convmem); here the RPUSH says whether there was
-- one, and only then is it replaced: LTRIM keeps the new message alone (a stale list), or the
-- key is deleted and pushed again (a value of another kind). Declines, having written nothing,
-- a redelivery (a stale id index holding the id) and every other state.
local function add_message_new(m, key, id, head, tail, max)
  if m[2] or m[3] or m[4] or m[5] or DEFAULT_TTL == -1 or (max and max < 1) then return nil end
  if redis.call('EXISTS', META) == 1 then return nil end
  if redis.call('HSETNX', MIDS, id, HELD) == 0 then return nil end
  local raw = head .. string.format('%d', NOW) .. tail
  local n = redis.pcall('RPUSH', key, raw)
  if type(n) ~= 'number' then
    redis.call('DEL', key)
    redis.call('RPUSH', key, raw)
  elseif n > 1 then
    redis.call('LTRIM', key, -1, -1)
  end
  local span = DEFAULT_TTL * 1000
  local xd2 = int(NOW + span - 1)
  local pd2 = NOW + 2 * span
  redis.call('PEXPIREAT', key, xd2)
  register()
  local k = '1' .. live_name(MESSAGES)
  redis.call('SET', live_key(), k, 'PXAT', xd2)
  redis.call('HSET', META, 'c', struct.pack(STATE, NONE, NOW + span, pd2, pd2, NOW, NOW),
    F_HIST, 'c', S_HIST, int(#raw), 'k', k, 'p', '0')
  local need = int(pd2)
  redis.call('PEXPIREAT', META, need)
  redis.call('PEXPIREAT', MIDS, need)
  redis.call('PEXPIREAT', ops_key(), need)
  return { 1, NOW }
end

-- addMessage in the common case, in straight-line code: a live conversation (with a finite TTL)
-- whose history is a non-empty list, whose lazily renewed deadline `pd` is not due, and whose
-- registration `rg` is not due or, with no finite pin (meta `p` '0'), is one ZADD; and a new id. For that state, prepare and commit write nothing but what is
-- written here, and this takes exactly their decisions with far fewer Lua steps (no state
-- table; about a quarter of the write's Redis time). Anything else — checked before the first
-- write — returns nil and meta's reply, and add_message runs on it; after the RPUSH, a reply
-- other than a longer list within `max` goes on in `pushed`, as add_message would. Never nil
-- once it wrote.
-- test/redis/fast-paths.test.ts drives every way out against the state the general path leaves.
local function add_message_fast(key, id, head, tail, max)
  local m = read_meta(MESSAGES)
  if not FAST_PATHS then return nil, m end
  local c, size = m[1], tonumber(m[3]) or 0
  if not c then return add_message_new(m, key, id, head, tail, max), m end
  if m[2] ~= 'c' or size == 0 or not m[4] then return nil, m end
  local ttl0, dl, pd, md, rg, dl2, reg = fast_state(c, m[5])
  if not ttl0 then return nil, m end
  -- A redelivery (the id is held): nothing written; add_message answers it.
  if redis.call('HSETNX', MIDS, id, HELD) == 0 then return nil, m end
  local raw = head .. string.format('%d', NOW) .. tail
  local n = redis.pcall('RPUSH', key, raw)
  if type(n) ~= 'number' or n == 1 or (max and n > max) then
    local s = state_of(MESSAGES, m)
    prepare(s, MESSAGES) -- writes nothing for this state: it only computes the deadlines
    return pushed(s, key, 'list', id, raw, n, max)
  end
  -- The HSETNX created the id index when the id is its only entry: it gets its expiry then. The
  -- liveness key's value stays: the history is named in it already (or it reads '*').
  local index = redis.call('HLEN', MIDS) == 1
  fast_commit(ttl0, dl, pd, md, rg, dl2, reg, key, index, S_HIST, int(size + #raw))
  return { 1, NOW }
end

-- Appends items[from..to] to the list field FIELD at `key` (`s` loaded and prepared), creating
-- it; `max` keeps the newest (nil = unbounded). Returns push's reply (push-4.lua).
local function push_items(s, key, items, from, to, max)
  local st = list_state(s, key, true)
  if not st then return fail('WRONGTYPE') end
  local n
  if to >= from then
    n = rpush(key, items, from, to)
    if st ~= 'list' then s.container = true end
    s.size = s.size + sum_bytes(items, from, to)
    if FIELD == MESSAGES then index_ids(items, from, to, true) end
  elseif st == 'list' then
    n = redis.call('LLEN', key)
  else
    n = 0
  end
  local dropped
  n, dropped = trim_oldest(key, n, max)
  local size = s.size - dropped
  local at = deadline_of(s, 'c')
  if n == 0 then
    keep_empty(key, at)
  else
    expire_list(s, st, key, at)
  end
  commit(s, FIELD, 'c', size)
  return n
end

-- Array.prototype.splice on the list field FIELD at `key` (`s` loaded and prepared): removes
-- `count` elements from index `start` (negative: from the end; both clamped) and puts
-- items[from..to] in their place. Cost: the distance of `start` from the end plus the items.
-- Returns the new length, or WRONGTYPE.
local function splice_items(s, key, start, count, items, from, to)
  local st = list_state(s, key, true)
  if not st then return fail('WRONGTYPE') end
  local n = 0
  if st == 'list' then n = redis.call('LLEN', key) end
  if start < 0 then start = math.max(n + start, 0) elseif start > n then start = n end
  count = math.max(0, math.min(count, n - start))
  local removed, kept = {}, {}
  if count > 0 then removed = redis.call('LRANGE', key, start - n, start + count - 1 - n) end
  if start + count < n then kept = redis.call('LRANGE', key, start + count - n, -1) end
  if start == 0 then
    redis.call('DEL', key)
  elseif start < n then
    redis.call('LTRIM', key, 0, start - 1)
  end
  local len = start
  if to >= from then len = rpush(key, items, from, to) end
  if #kept > 0 then len = rpush(key, kept, 1, #kept) end
  if len > 0 then s.container = true end
  if FIELD == MESSAGES then
    index_ids(removed, 1, #removed, false)
    index_ids(items, from, to, true)
  end
  local size = s.size - sum_bytes(removed, 1, #removed) + sum_bytes(items, from, to)
  local at = deadline_of(s, 'c')
  if len == 0 then keep_empty(key, at) end
  expire_list(s, (st == 'list' and start > 0) and 'list' or 'none', key, at)
  commit(s, FIELD, 'c', size)
  return len
end

-- The mode of a field written by `set` with the ttl argument `ttl`: '' follows the conversation
-- ('c'), '-1' is pinned forever, N pinned for N seconds from now.
local function set_mode(ttl)
  if ttl == '-1' then return '-1' end
  if ttl ~= '' then return tostring(NOW + tonumber(ttl) * 1000) end
  return 'c'
end

-- Deletes `field` (`s` loaded, not prepared). Returns 1 if it existed and had not expired, else 0.
local function delete_field(s, field)
  local existed = mode_alive(s, s.mode)
  if not s.mode then return 0 end
  drop_key(field)
  forget(field)
  if not existed then return 0 end
  s.mode = nil
  prepare(s, field)
  commit(s, field, nil, 0)
  return 1
end

-- Sets key `k` of the map field `field` at `key` to `v` (`s` loaded and prepared). Returns 1 when
-- the key is new, 0 when it replaced a value, or WRONGTYPE.
local function map_set(s, field, key, k, v)
  local st = map_state(s, key, true)
  if not st then return fail('WRONGTYPE') end
  local size, new = map_put(s, key, st, k, v)
  expire_value(s, st == 'map', key, deadline_of(s, 'c'))
  commit(s, field, 'c', size)
  return new
end

-- Removes key `k` of the map field `field` at `key` (`s` loaded, not prepared). Returns 1 if it
-- was there, 0 if not (or the field is missing or expired), or WRONGTYPE.
local function map_delete(s, field, key, k)
  if not mode_alive(s, s.mode) then return 0 end
  local st = map_state(s, key, false)
  if st == false then return fail('WRONGTYPE') end
  if st == 'none' or redis.call('HEXISTS', key, k) == 0 then return 0 end
  prepare(s, field)
  local at = deadline_of(s, 'c')
  local gone = map_remove(key, k, at)
  expire_value(s, true, key, at)
  commit(s, field, 'c', s.size - gone)
  return 1
end

-- A scalar write of FIELD at `key` — `set` following the conversation TTL, or a modify's
-- compare-and-set expecting the field missing (`ekind` 'n') or holding the scalar `expected`
-- ('s'; ekind nil: no comparison) — in the common case, in straight-line code: a live
-- conversation (with a finite TTL) whose lazily renewed deadline `pd` is not due and whose
-- registration is not due or is one ZADD (as for add_message_fast), and a field that is new or
-- follows the conversation TTL (not the history). For that
-- state, prepare, write_value and commit write nothing but what is written here (as for
-- add_message_fast). Anything else — a pinned field, a list or a map where a scalar is
-- expected, a comparison that fails — returns nil and meta's reply, having written nothing, and
-- the general path runs on it (`m` nil: the history, which has its own). test/redis/
-- fast-paths.test.ts compares the two.
local function set_scalar_fast(key, raw, ekind, expected)
  if FIELD == MESSAGES then return nil end
  local m = read_meta(FIELD)
  local c, mode = m[1], m[2]
  if not FAST_PATHS or not c or not m[5] or (mode and mode ~= 'c') then return nil, m end
  local ttl0, dl, pd, md, rg, dl2, reg = fast_state(c, m[6])
  if not ttl0 then return nil, m end
  if ekind then
    -- A field following the conversation is live while it is: its key holds its value.
    local cur = false
    if mode then
      cur = redis.pcall('GET', key)
      if type(cur) == 'table' then return nil, m end -- a list or a map: the general path
    end
    if ekind == 'n' then
      if cur then return nil, m end
    elseif ekind ~= 's' or cur ~= expected then
      return nil, m
    end
  end
  redis.call('SET', key, raw, 'PXAT', int(pd))
  local history = m[4] == 'c' and fkey(MESSAGES) or nil
  if mode then
    fast_commit(ttl0, dl, pd, md, rg, dl2, reg, history, false, 's:' .. FIELD, int(#raw))
  else
    fast_commit(ttl0, dl, pd, md, rg, dl2, reg, history, false, 'f:' .. FIELD, 'c', 's:' .. FIELD, int(#raw))
  end
  return true
end

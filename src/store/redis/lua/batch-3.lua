-- batch: several writes on the conversation as one atomic step, all or none; guards checked
-- first in the same step; an optional operation id recorded in it.
-- ARGV[4] operation id ('' = none); ARGV[5] digest of the batch (what the id stands for);
-- ARGV[6] number of guards; ARGV[7] number of writes; then the guards, then the writes, each a
-- tag and its arguments (n items = n arguments; a map's n entries = 2n: key, value, ...):
--   guards  'eq' field kind ('n' absent | 's' raw | 'l' n items)   the field's value is that
--           'sfx' field n items                                  the list ends with items
--           'slc' field start n items                            from index start, the list has items
--           'meq' field key kind ('n' | 's' raw)                 a map key's value is that
--   writes  'set' field ttl ('' | '-1' | seconds) kind ('s' raw | 'l' n items | 'm' n entries)
--           'del' field
--           'push' field max ('' = none) n items
--           'splice' field start deleteCount n items
--           'msg' idJson head tail max                           (addMessage to `messages`)
--           'mset' field key raw
--           'mdel' field key
-- Returns { 1, results } (per write: 'set' 1, 'del'/'mdel' 1|0, 'push'/'splice' the new
-- length, 'msg' as addmsg, 'mset' 1 new key | 0), { 2 } when this operation id was already
-- applied with this digest (nothing is written), { 3 } when it was applied with another digest,
-- { 0, i } when guard i failed, { 4, i } when write i meets a field of the wrong kind: nothing is
-- written unless every check passes. Cost: the sum of the writes' own costs.
local at_arg = 8
local function take()
  local v = ARGV[at_arg]
  at_arg = at_arg + 1
  return v
end
-- The positions of the next n arguments.
local function span(n)
  local from = at_arg
  at_arg = at_arg + n
  return from, at_arg - 1
end
local function same(got, from, n)
  if #got ~= n then return false end
  for k = 1, n do
    if got[k] ~= ARGV[from + k - 1] then return false end
  end
  return true
end

-- Operation ids live with the conversation: forgotten once it has expired entirely.
local state = unpack_state(redis.call('HGET', META, 'c'))
local opid, digest = ARGV[4], ARGV[5]
local OPS = ops_key()
if opid ~= '' then
  if state.dl ~= nil and state.dl ~= -1 and NOW >= state.dl and purge_dead(state) == 0 then
    redis.call('DEL', OPS)
  end
  local seen = redis.call('HGET', OPS, opid)
  if seen == digest then return { 2 } end
  if seen then return { 3 } end
end

local dl = state.dl
local function live(field)
  return field_alive(dl, redis.call('HGET', META, 'f:' .. field))
end
-- The length of a list field (0 when missing or expired), nil for a value of another kind.
local function list_len(field)
  if not live(field) then return 0 end
  local ok, n = pcall(redis.call, 'LLEN', fkey(field))
  if ok then return n end
  wrongtype(n)
  if redis.pcall('GET', fkey(field)) == EMPTY then return 0 end
  return nil
end

for g = 1, tonumber(ARGV[6]) do
  local tag, field = take(), take()
  local ok
  if tag == 'eq' then
    local kind = take()
    local cur = live(field) and read_value(fkey(field)) or nil
    if kind == 'n' then
      ok = cur == nil
    elseif kind == 's' then
      local raw = take()
      ok = cur ~= nil and cur[1] == 1 and cur[2] == raw
    else
      local n = tonumber(take())
      local from = span(n)
      if cur == nil then
        ok = false
      elseif cur[1] == 1 then
        ok = n == 0 and cur[2] == EMPTY
      else
        ok = cur[1] == 2 and same(cur[2], from, n)
      end
    end
  elseif tag == 'sfx' or tag == 'slc' then
    local start = tag == 'slc' and tonumber(take()) or nil
    local n = tonumber(take())
    local from = span(n)
    local len = list_len(field)
    if start == nil and len then start = len - n end
    if len and start and start < 0 and tag == 'slc' then start = len + start end
    ok = len ~= nil and start >= 0 and start + n <= len
    if ok and n > 0 then ok = same(redis.call('LRANGE', fkey(field), start - len, start + n - 1 - len), from, n) end
  else -- 'meq'
    local k, kind = take(), take()
    local v = false
    if live(field) then
      local okc, r = pcall(redis.call, 'HGET', fkey(field), k)
      if okc then v = r end
    end
    if kind == 'n' then ok = not v else ok = v == take() end
  end
  if not ok then return { 0, g } end
end

-- Parse the writes, and check each against the kind its field will hold by then.
local writes = {}
local kinds = {}
local function kind_of(field)
  local k = kinds[field]
  if k then return k end
  k = 'none'
  if live(field) then
    local ty = redis.call('TYPE', fkey(field))['ok']
    if ty == 'list' or ty == 'hash' then
      k = ty == 'list' and 'list' or 'map'
    elseif ty == 'string' then
      local v = redis.call('GET', fkey(field))
      k = v == EMPTY and 'emptylist' or (v == EMPTY_MAP and 'emptymap' or 'scalar')
    end
  end
  return k
end
local LISTY = { none = true, list = true, emptylist = true }
local MAPPY = { none = true, map = true, emptymap = true }
for w = 1, tonumber(ARGV[7]) do
  local op = { tag = take() }
  local tag = op.tag
  local after
  if tag == 'msg' then
    op.field = MESSAGES
    op.id, op.head, op.tail, op.max = take(), take(), take(), tonumber(take())
    if not LISTY[kind_of(MESSAGES)] then return { 4, w } end
    after = 'list'
  else
    op.field = take()
    local k = kind_of(op.field)
    if tag == 'set' then
      op.ttl, op.kind = take(), take()
      if op.kind == 's' then
        op.from, op.to = span(1)
        local raw = ARGV[op.from]
        after = raw == EMPTY and 'emptylist' or (raw == EMPTY_MAP and 'emptymap' or 'scalar')
      else
        local n = tonumber(take())
        op.from, op.to = span(op.kind == 'm' and 2 * n or n)
        if op.kind == 'm' then after = n == 0 and 'emptymap' or 'map' else after = n == 0 and 'emptylist' or 'list' end
      end
    elseif tag == 'del' then
      after = 'none'
    elseif tag == 'push' or tag == 'splice' then
      if tag == 'push' then
        op.max = tonumber(take())
      else
        op.start, op.count = tonumber(take()), tonumber(take())
      end
      op.from, op.to = span(tonumber(take()))
      if not LISTY[k] then return { 4, w } end
      after = 'list'
    else -- 'mset' | 'mdel'
      op.key = take()
      if tag == 'mset' then op.from, op.to = span(1) end
      if not MAPPY[k] then return { 4, w } end
      after = tag == 'mset' and 'map' or k
    end
  end
  kinds[op.field] = after
  writes[w] = op
end

-- Apply them, each as its own operation would.
local results = {}
for w, op in ipairs(writes) do
  local field = op.field
  FIELD = field
  local key = fkey(field)
  local s = load(field)
  local r
  if op.tag == 'del' then
    r = delete_field(s, field)
  elseif op.tag == 'mdel' then
    r = map_delete(s, field, key, op.key)
  else
    prepare(s, field)
    if op.tag == 'set' then
      local mode = set_mode(op.ttl)
      local size
      if op.kind == 'm' then
        if field == MESSAGES then redis.call('DEL', MIDS) end
        size = write_map(key, ARGV, op.from, op.to, deadline_of(s, mode))
        if op.to >= op.from then s.container = true end
      else
        size = write_value(s, field, key, op.kind, ARGV, op.from, op.to, mode)
      end
      commit(s, field, mode, size)
      r = 1
    elseif op.tag == 'push' then
      r = push_items(s, key, ARGV, op.from, op.to, op.max)
    elseif op.tag == 'splice' then
      r = splice_items(s, key, op.start, op.count, ARGV, op.from, op.to)
    elseif op.tag == 'msg' then
      r = add_message(s, key, op.id, op.head, op.tail, op.max)
    else -- 'mset'
      r = map_set(s, field, key, op.key, ARGV[op.from])
    end
  end
  results[w] = r
end

if opid ~= '' then
  redis.call('HSET', OPS, opid, digest)
  -- It expires with the meta hash (commit renews both).
  local s = unpack_state(redis.call('HGET', META, 'c'))
  expire_at(OPS, s.md or -1)
end
return { 1, results }

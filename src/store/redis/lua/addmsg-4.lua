-- addmsg: appends a message unless its id is already in the history (idempotent).
-- ARGV[4] JSON-encoded id; ARGV[5] head and ARGV[6] tail of the message JSON, joined around
-- the server timestamp; ARGV[7] maxMessages ('' = unbounded).
-- Returns { 1, timestamp } when added, { 0, stored message JSON } when the id was present (for
-- an id compacted into a summary: the summary message).
-- Errors: WRONGTYPE (`messages` holds a non-list value): nothing is changed.
local s = load(FIELD)
prepare(s, FIELD)
local key = KEYS[4]
-- A live field with bytes is a non-empty list or a value of another kind (the smallest JSON
-- value has one byte), told apart by RPUSH below; only a new, expired or empty history needs
-- looking at (it may be missing, an empty-list marker or a stale key).
local st = 'list'
if s.size == 0 or not mode_alive(s, s.mode) then
  st = list_state(s, key, true)
  if not st then return fail('WRONGTYPE') end
end
local id = ARGV[4]
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
local raw = ARGV[5] .. string.format('%d', NOW) .. ARGV[6]
local n = redis.pcall('RPUSH', key, raw)
if type(n) == 'table' and n.err then
  -- Not a list: the id is taken back, so the failed call changes nothing.
  wrongtype(n)
  redis.call('HDEL', MIDS, id)
  return fail('WRONGTYPE')
end
if n == 1 then st = 'none' end -- the key had gone (removed outside convmem): give it its expiry
local dropped
n, dropped = trim_oldest(key, n, tonumber(ARGV[7]))
local size = s.size + #raw - dropped
local at = deadline_of(s, 'c')
if expiry_kept(s, st, at) then
  -- The history and its id index already expire at `at` (every write of either gives both the
  -- same expiry), unless the HSETNX above created the index (a history none of whose messages
  -- had an id indexed): then the id is its only entry. HLEN is a read: cheaper than a write.
  if redis.call('HLEN', MIDS) == 1 then expire_at(MIDS, at) end
else
  expire_list(s, st, key, at)
end
commit(s, FIELD, 'c', size)
return { 1, NOW }

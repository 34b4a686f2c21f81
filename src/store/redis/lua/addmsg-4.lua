-- addmsg: appends a message unless its id is already in the history (idempotent).
-- ARGV[4] JSON-encoded id; ARGV[5] head and ARGV[6] tail of the message JSON, joined around
-- the server timestamp; ARGV[7] maxMessages ('' = unbounded).
-- Returns { 1, timestamp } when added, { 0, stored message JSON } when the id was present.
-- Errors: WRONGTYPE (`messages` holds a non-list value).
local s = load(FIELD)
prepare(s, FIELD)
local key = KEYS[4]
local st = list_state(s, key, false)
if not st then return fail('WRONGTYPE') end
local id = ARGV[4]
if st == 'list' and redis.call('SISMEMBER', MIDS, id) == 1 then
  local n = redis.call('LLEN', key)
  local hi = n - 1
  while hi >= 0 do
    local lo = math.max(hi - 99, 0)
    local chunk = redis.call('LRANGE', key, lo, hi)
    for j = #chunk, 1, -1 do
      if msg_id(chunk[j]) == id then return { 0, chunk[j] } end
    end
    hi = lo - 1
  end
  redis.call('SREM', MIDS, id)
end
if st == 'none' then redis.call('DEL', key) end
local raw = ARGV[5] .. string.format('%d', NOW) .. ARGV[6]
local n = redis.call('RPUSH', key, raw)
redis.call('SADD', MIDS, id)
local dropped
n, dropped = trim_oldest(key, n, tonumber(ARGV[7]))
local size = s.size + #raw - dropped
local at = deadline_of(s, 'c')
expire_list(s, st, key, at)
commit(s, FIELD, 'c', size)
return { 1, NOW }

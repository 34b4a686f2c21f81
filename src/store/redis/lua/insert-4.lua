-- insert: Python list.insert(ARGV[4], ARGV[5]) (negative index counts from the end; clamped).
-- Returns the new length. Errors: WRONGTYPE.
local s = load(FIELD)
prepare(s, FIELD)
local key = KEYS[4]
local st = list_state(s, key, true)
if not st then return fail('WRONGTYPE') end
local v = ARGV[5]
local n = 0
if st == 'list' then
  n = redis.call('LLEN', key)
end
local i = tonumber(ARGV[4])
if i < 0 then i = math.max(i + n, 0) elseif i > n then i = n end
local len
if i == 0 then
  len = redis.call('LPUSH', key, v)
elseif i == n then
  len = redis.call('RPUSH', key, v)
else
  local old = redis.call('LINDEX', key, i)
  redis.call('LSET', key, i, TOMB)
  redis.call('LINSERT', key, 'BEFORE', TOMB, v)
  redis.call('LSET', key, i + 1, old)
  len = n + 1
end
if FIELD == MESSAGES then index_ids({ v }, 1, 1, true) end
local at = deadline_of(s, 'c')
expire_list(s, st, key, at)
s.container = true
commit(s, FIELD, 'c', s.size + #v)
return len

-- push (append/extend): RPUSH ARGV[5..] to a list field, creating it when missing.
-- ARGV[4] maxLength ('' = unbounded): drops the oldest elements beyond it.
-- Returns the new length. Errors: WRONGTYPE (field holds a non-list value).
local s = load(FIELD)
prepare(s, FIELD)
local key = KEYS[4]
local st = list_state(s, key, true)
if not st then return fail('WRONGTYPE') end
local n
if #ARGV >= 5 then
  n = rpush(key, ARGV, 5, #ARGV)
  s.size = s.size + sum_bytes(ARGV, 5, #ARGV)
  if FIELD == MESSAGES then index_ids(ARGV, 5, #ARGV, true) end
elseif st == 'list' then
  n = redis.call('LLEN', key)
else
  n = 0
end
local dropped
n, dropped = trim_oldest(key, n, tonumber(ARGV[4]))
local size = s.size - dropped
local at = deadline_of(s, 'c')
if n == 0 then
  keep_empty(key, at)
else
  expire_list(s, st, key, at)
end
commit(s, FIELD, 'c', size)
return n

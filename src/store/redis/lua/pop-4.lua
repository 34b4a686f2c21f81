-- pop: removes and returns the element at Python index ARGV[4].
-- Errors: INDEX (missing, empty, or out of range), WRONGTYPE (not a list).
local s = load(FIELD)
prepare(s, FIELD)
local key = KEYS[4]
local st = list_state(s, key, false)
if st == false then return fail('WRONGTYPE') end
if st == 'none' then return fail('INDEX') end
local n = redis.call('LLEN', key)
local i = tonumber(ARGV[4])
if i < 0 then i = i + n end
if i < 0 or i >= n then return fail('INDEX') end
local v = redis.call('LINDEX', key, i)
remove_index(key, i, n)
if FIELD == MESSAGES then index_ids({ v }, 1, 1, false) end
local at = deadline_of(s, 'c')
if n == 1 then keep_empty(key, at) end
expire_list(s, n == 1 and 'none' or st, key, at)
commit(s, FIELD, 'c', s.size - #v)
return v

-- remove: deletes the element at index ARGV[4] if the list still has length ARGV[6] and that
-- element is still ARGV[5] (the client found it deep-equal to the value to remove).
-- Returns 1 when removed, 0 when the list changed meanwhile (the client retries).
local s = load(FIELD)
local key = KEYS[4]
if not mode_alive(s, s.mode) then return 0 end
local ok, n = pcall(redis.call, 'LLEN', key)
if not ok then wrongtype(n) end
if not ok or n ~= tonumber(ARGV[6]) then return 0 end
local i = tonumber(ARGV[4])
local v = ARGV[5]
if redis.call('LINDEX', key, i) ~= v then return 0 end
prepare(s, FIELD)
remove_index(key, i, n)
if FIELD == MESSAGES then index_ids({ v }, 1, 1, false) end
local at = deadline_of(s, 'c')
if n == 1 then keep_empty(key, at) end
expire_list(s, n == 1 and 'none' or 'list', key, at)
commit(s, FIELD, 'c', s.size - #v)
return 1

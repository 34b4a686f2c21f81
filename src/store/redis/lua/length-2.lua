-- length: number of elements of a list field (missing = 0). Errors: WRONGTYPE.
local m = redis.call('HMGET', META, 'c', 'f:' .. FIELD)
if not mode_alive({ dl = state_dl(m[1]) }, m[2]) then return 0 end
local key = KEYS[2]
local ok, n = pcall(redis.call, 'LLEN', key)
if ok then return n end
wrongtype(n)
if redis.call('GET', key) == EMPTY then return 0 end
return fail('WRONGTYPE')

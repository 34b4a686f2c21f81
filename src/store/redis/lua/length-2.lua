-- length: number of elements of a list field (missing = 0). Errors: WRONGTYPE.
if not field_live() then return 0 end
local key = KEYS[2]
local ok, n = pcall(redis.call, 'LLEN', key)
if ok then return n end
return not_a_list(key, n, 0)

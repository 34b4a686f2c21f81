-- mapsize: the number of keys of the map field ARGV[1] (missing = 0). O(1). Errors: WRONGTYPE.
if not field_live() then return 0 end
local key = KEYS[2]
local ok, n = pcall(redis.call, 'HLEN', key)
if ok then return n end
return not_a_map(key, n, 0)

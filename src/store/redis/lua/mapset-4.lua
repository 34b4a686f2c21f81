-- mapset: sets key ARGV[4] of the map field FIELD to the JSON value ARGV[5], creating the map.
-- Returns 1 when the key is new, 0 when it replaced a value. Cost: O(1), whatever the map's size.
-- Errors: WRONGTYPE (the field holds a value that is not a map).
local s = load(FIELD)
prepare(s, FIELD)
local key = KEYS[4]
local st = map_state(s, key, true)
if not st then return fail('WRONGTYPE') end
local size, new = map_put(s, key, st, ARGV[4], ARGV[5])
expire_value(s, st == 'map', key, deadline_of(s, 'c'))
commit(s, FIELD, 'c', size)
return new

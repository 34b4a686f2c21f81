-- mapset: sets key ARGV[4] of the map field FIELD to the JSON value ARGV[5], creating the map.
-- Returns 1 when the key is new, 0 when it replaced a value. Cost: O(1), whatever the map's size.
-- Errors: WRONGTYPE (the field holds a value that is not a map).
local s = load(FIELD)
prepare(s, FIELD)
return map_set(s, FIELD, KEYS[4], ARGV[4], ARGV[5])

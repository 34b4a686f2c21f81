-- mapdel: removes key ARGV[4] of the map field FIELD. Returns 1 if it was there, else 0.
-- Cost: O(1). Errors: WRONGTYPE (the field holds a value that is not a map).
local s = load(FIELD)
local key = KEYS[4]
if not mode_alive(s, s.mode) then return 0 end
local st = map_state(s, key, false)
if st == false then return fail('WRONGTYPE') end
if st == 'none' or redis.call('HEXISTS', key, ARGV[4]) == 0 then return 0 end
prepare(s, FIELD)
local at = deadline_of(s, 'c')
local gone = map_remove(key, ARGV[4], at)
expire_value(s, true, key, at)
commit(s, FIELD, 'c', s.size - gone)
return 1

-- get: a field's value.
-- Returns { 1, raw } (scalar), { 2, items } (list) or nil when the field is missing or expired.
local m = redis.call('HMGET', META, 'c', 'f:' .. FIELD)
if not mode_alive({ dl = state_dl(m[1]) }, m[2]) then return nil end
return read_value(KEYS[2])

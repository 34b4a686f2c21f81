-- has: 1 when the field exists (and has not expired), else 0.
local m = redis.call('HMGET', META, 'c', 'f:' .. FIELD)
if not mode_alive({ dl = state_dl(m[1]) }, m[2]) then return 0 end
return redis.call('EXISTS', KEYS[2])

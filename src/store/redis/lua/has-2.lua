-- has: 1 when the field exists (and has not expired), else 0.
if not field_live() then return 0 end
return redis.call('EXISTS', KEYS[2])

-- delete: removes a field. Returns 1 if it existed (and had not expired), else 0.
local s = load(FIELD)
local existed = mode_alive(s, s.mode)
if not s.mode then return 0 end
drop_key(FIELD)
forget(FIELD)
if not existed then return 0 end
s.mode = nil
prepare(s, FIELD)
commit(s, FIELD, nil, 0)
return 1

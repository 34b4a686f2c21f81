-- get: a field's value.
-- Returns { 1, raw } (scalar), { 2, items } (list) or nil when the field is missing or expired.
if not field_live() then return nil end
return read_value(KEYS[2])

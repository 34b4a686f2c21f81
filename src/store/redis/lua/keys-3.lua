-- keys: the names of the conversation's live fields.
local dl = state_dl(redis.call('HGET', META, 'c'))
local modes, _, order = all_fields()
local out = {}
for _, name in ipairs(order) do
  if field_alive(dl, modes[name]) then out[#out + 1] = name end
end
return out

-- items: the live fields and their values, flat: { name, value, ... } (each value as `get`
-- returns it).
local dl = state_dl(redis.call('HGET', META, 'c'))
local modes, _, order = all_fields()
local out = {}
for _, name in ipairs(order) do
  if field_alive(dl, modes[name]) then
    local v = read_value(fkey(name))
    if v then
      out[#out + 1] = name
      out[#out + 1] = v
    end
  end
end
return out

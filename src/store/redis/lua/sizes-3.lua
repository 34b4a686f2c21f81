-- sizes: the live fields and the UTF-8 bytes of their encoded values, flat: { name, bytes, ... }
-- (recorded by every write in meta `s:<field>`: no value is read).
local dl = state_dl(redis.call('HGET', META, 'c'))
local modes, sizes, order = all_fields()
local out = {}
for _, name in ipairs(order) do
  if field_alive(dl, modes[name]) then
    out[#out + 1] = name
    out[#out + 1] = sizes[name] or 0
  end
end
return out

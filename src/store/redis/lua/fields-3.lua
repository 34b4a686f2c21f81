-- fields: the live fields of a conversation.
-- ARGV[4] what: 'keys' -> { name... }; 'items' -> { name, value, ... } (value as `get` returns it);
-- 'sizes' -> { name, bytes, ... }.
local s = { dl = tonumber(redis.call('HGET', META, 'dl')) }
local modes, sizes, order = all_fields()
local what = ARGV[4]
local out = {}
for _, name in ipairs(order) do
  if mode_alive(s, modes[name]) then
    if what == 'keys' then
      out[#out + 1] = name
    elseif what == 'sizes' then
      out[#out + 1] = name
      out[#out + 1] = sizes[name] or 0
    else
      local v = read_value(fkey(name))
      if v then
        out[#out + 1] = name
        out[#out + 1] = v
      end
    end
  end
end
return out

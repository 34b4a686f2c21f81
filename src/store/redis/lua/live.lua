-- live.lua: the clock and the liveness rule, the first part of every script's prelude
-- (conversation scripts and registry scripts alike), so liveness is defined once.

local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Whether a field with mode `mode` is live now. `mode`: 'c' (follows the conversation deadline
-- `dl`), or the field's own deadline in ms (-1 = never); nil = no such field. `dl`: ms, -1 =
-- never, nil = the conversation has none.
local function field_alive(dl, mode)
  if not mode then return false end
  if mode == 'c' then return dl ~= nil and (dl == -1 or NOW < dl) end
  local d = tonumber(mode)
  return d == -1 or NOW < d
end

-- live.lua: the clock and the liveness rule, the first part of the library (conversation
-- operations and registry operations alike), so liveness is defined once.

-- The server clock in ms, read once per call by `clock()` (begin/begin_bucket in state.lua).
local NOW

local function clock()
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Whether a field with mode `mode` is live now. `mode`: 'c' (follows the conversation deadline
-- `dl`), or the field's own deadline in ms (-1 = never); nil = no such field. `dl`: ms, -1 =
-- never, nil = the conversation has none.
local function field_alive(dl, mode)
  if not mode then return false end
  if mode == 'c' then return dl ~= nil and (dl == -1 or NOW < dl) end
  local d = tonumber(mode)
  return d == -1 or NOW < d
end

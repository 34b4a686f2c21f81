-- getttl: milliseconds until the conversation's last live field expires; -1 when a live field
-- never expires; nil when the conversation has no live field.
local s = { dl = state_dl(redis.call('HGET', META, 'c')) }
local modes, _, order = all_fields()
local best = nil
for _, name in ipairs(order) do
  local mode = modes[name]
  if mode_alive(s, mode) then
    local d = mode == 'c' and s.dl or tonumber(mode)
    if d == -1 then return -1 end
    if best == nil or d > best then best = d end
  end
end
if best == nil then return nil end
return best - NOW

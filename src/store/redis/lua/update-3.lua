-- update: writes several fields at once (all or none: values were validated by the client).
-- ARGV[4..] repeated groups: field, kind ('s' | 'l'), count, then `count` raw values.
local groups = {}
local i = 4
while i <= #ARGV do
  local n = tonumber(ARGV[i + 2])
  groups[#groups + 1] = { field = ARGV[i], kind = ARGV[i + 1], from = i + 3, to = i + 2 + n }
  i = i + 3 + n
end
local last = nil
for _, g in ipairs(groups) do
  local s = load(g.field)
  prepare(s, g.field)
  local size = write_value(s, g.field, fkey(g.field), g.kind, ARGV, g.from, g.to, 'c')
  commit(s, g.field, 'c', size)
  last = s
end
return last and 1 or 0

-- reginfo: summaries of the conversations ARGV[2..] (escaped ids from the bucket KEYS[1]).
-- Returns a flat list: eid, totalFields, totalSizeBytes, lastActivity (ms) for each conversation
-- that still has a live field; conversations Redis already expired are left out.
local out = {}
for i = 2, #ARGV do
  local eid = ARGV[i]
  local s = summary(eid)
  if s.live > 0 then
    out[#out + 1] = eid
    out[#out + 1] = s.live
    out[#out + 1] = s.bytes
    out[#out + 1] = s.la
  end
end
return out

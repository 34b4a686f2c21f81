-- regsweep: cleanup of the candidates ARGV[3..] (escaped ids whose registry score in KEYS[1] is
-- older than the cutoff ARGV[2], ms on the server clock). Each candidate is re-checked against
-- its own last write, so a lagging registry score can never delete a live conversation:
--   last write older than the cutoff -> the conversation is deleted (counted as removed);
--   no live field left (Redis expired it) -> its leftovers and registry entry are forgotten;
--   otherwise -> its registry score is corrected to its last write.
-- Returns { scanned, removed }.
local cutoff = tonumber(ARGV[2])
local removed = 0
for i = 3, #ARGV do
  local eid = ARGV[i]
  local s = summary(eid)
  if s.live == 0 or s.la < cutoff then
    delete_conversation(eid, s.fields)
    if s.live > 0 then removed = removed + 1 end
  else
    redis.call('ZADD', REGISTRY, s.la, eid)
  end
end
return { #ARGV - 2, removed }

-- regsweep: cleanup of the candidates ARGV[4..] (escaped ids whose registry score in KEYS[1] is
-- older than the cutoff ARGV[2], ms on the server clock); ARGV[3] '1' = dry run: count what
-- would be removed, change nothing. Each candidate is re-checked against
-- its own last write, so a lagging registry score can never delete a live conversation:
--   last write older than the cutoff -> the conversation is deleted (counted as removed);
--   no live field left (Redis expired it) -> its leftovers and registry entry are forgotten;
--   otherwise -> its registry score is corrected to its last write.
-- Returns { scanned, removed }.
local cutoff = tonumber(ARGV[2])
local dry = ARGV[3] == '1'
local removed = 0
for i = 4, #ARGV do
  local eid = ARGV[i]
  local s = summary(eid)
  if s.live == 0 or s.la < cutoff then
    if not dry then delete_conversation(eid, s.fields) end
    if s.live > 0 then removed = removed + 1 end
  elseif not dry then
    redis.call('ZADD', REGISTRY, s.la, eid)
  end
end
return { #ARGV - 3, removed }

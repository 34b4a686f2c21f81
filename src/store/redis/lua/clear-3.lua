-- clear: deletes every field. ARGV[4] 'all' also forgets the conversation's meta (its TTL
-- setting); 'fields' keeps the TTL setting. Returns the number of live fields removed.
local s = { dl = tonumber(redis.call('HGET', META, 'dl')) }
local modes, _, order = all_fields()
local removed = 0
for _, name in ipairs(order) do
  if mode_alive(s, modes[name]) then removed = removed + 1 end
  drop_key(name)
end
redis.call('DEL', MIDS)
redis.call('ZREM', REGISTRY, string.match(META, '^[^{]*{(.*)}$'))
if ARGV[4] == 'all' then
  redis.call('DEL', META)
else
  local ttl = redis.call('HGET', META, 'ttl')
  local pttl = redis.call('PTTL', META)
  redis.call('DEL', META)
  if ttl then
    redis.call('HSET', META, 'ttl', ttl)
    if pttl > 0 then redis.call('PEXPIRE', META, pttl) end
  end
end
return removed

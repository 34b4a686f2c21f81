-- clear: deletes every field (and the operation ids of batches). ARGV[4] 'all' also forgets the conversation's meta (its TTL
-- setting); 'fields' keeps the TTL setting for the next write, for as long as a conversation
-- written now would live: one TTL from now (a persistent setting stays registered, so the next
-- cleanup sweep forgets it if nothing is written meanwhile). No key is left without expiry and
-- outside the registry. Returns the number of live fields removed.
local s = unpack_state(redis.call('HGET', META, 'c'))
local modes, _, order = all_fields()
local removed = 0
for _, name in ipairs(order) do
  if mode_alive(s, modes[name]) then removed = removed + 1 end
  drop_key(name)
end
local eid = string.match(META, '^[^{]*{(.*)}$')
local ttl = s.ttl
-- A conversation that had expired entirely has already lost its setting (write.lua prepare).
if removed == 0 and s.dl ~= nil and s.dl ~= -1 and NOW >= s.dl then ttl = nil end
redis.call('DEL', MIDS, META, ops_key(), live_key())
redis.call('ZREM', REGISTRY, eid)
if ARGV[4] ~= 'all' and ttl then
  if ttl == -1 then
    redis.call('HSET', META, 'c', pack_state(ttl, nil, nil, nil, NOW, NOW))
    redis.call('ZADD', REGISTRY, NOW, eid)
  else
    redis.call('HSET', META, 'c', pack_state(ttl, nil, nil, nil, NOW, nil))
    redis.call('PEXPIREAT', META, NOW + ttl * 1000)
  end
end
return removed

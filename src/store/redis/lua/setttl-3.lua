-- setttl: sets the conversation TTL (ARGV[4] seconds, -1 = never) and applies it now to every
-- field (pinned fields return to the conversation TTL). Stored in meta, so later writes from
-- any process keep it.
local s = load('')
local T = tonumber(ARGV[4])
s.ttl = T
s.keep_ttl = true
s.mode = nil
s.old = nil
-- The deadline is recomputed from the new TTL (also when it got shorter), and applied below
-- to every live field's key: pd = dl - 1.
s.pd = nil
prepare(s, '')
local modes, _, order = all_fields()
for _, name in ipairs(order) do
  if mode_alive(s, modes[name]) then
    expire_field(name, deadline_of(s, 'c', name))
    redis.call('HSET', META, 'f:' .. name, 'c')
  else
    drop_key(name)
    forget(name)
  end
end
s.renew = false
s.md = nil
commit(s, '', nil, 0)
return 1

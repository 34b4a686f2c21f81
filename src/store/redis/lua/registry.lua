-- registry.lua: the registry operations' part of the library (after live.lua and state.lua,
-- whose variables it sets), which work on one registry bucket and the conversations listed in
-- it (all in the bucket's Cluster slot).
--
-- KEYS[1] registry bucket  <prefix>:reg:{<tag>}  (sorted set: member <eid>, score last write)
-- ARGV[1] key prefix
-- Each script reads at most the conversations named in its ARGV, so no call is unbounded.

local PREFIX

-- Starts a registry operation: its bucket, key prefix and arguments, and the clock.
local function begin_bucket(keys, args)
  KEYS = keys
  ARGV = args
  REGISTRY = keys[1]
  PREFIX = args[1]
  clock()
end

local function meta_key(eid)
  return PREFIX .. ':meta:{' .. eid .. '}'
end

-- Summary of one conversation from its meta hash: live field names, their total bytes, last write.
local function summary(eid)
  local flat = redis.call('HGETALL', meta_key(eid))
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  local st = unpack_state(h['c'])
  local dl = st.dl
  local live, all, bytes = 0, {}, 0
  for k, v in pairs(h) do
    if string.sub(k, 1, 2) == 'f:' then
      local name = string.sub(k, 3)
      all[#all + 1] = name
      if field_alive(dl, v) then
        live = live + 1
        bytes = bytes + (tonumber(h['s:' .. name]) or 0)
      end
    end
  end
  return { live = live, bytes = bytes, la = st.la or 0, fields = all }
end

-- Deletes every key of a conversation (fields, message ids, operation ids, meta) and its registry entry.
local function delete_conversation(eid, fields)
  local base = PREFIX .. ':conv:{' .. eid .. '}:'
  for _, name in ipairs(fields) do redis.call('DEL', base .. name) end
  redis.call('DEL', PREFIX .. ':mids:{' .. eid .. '}', PREFIX .. ':ops:{' .. eid .. '}', PREFIX .. ':live:{' .. eid .. '}', meta_key(eid))
  redis.call('ZREM', REGISTRY, eid)
end


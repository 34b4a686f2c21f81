-- delmsg: deletes the message with JSON-encoded id ARGV[4] from the history (the list field
-- FIELD, `messages`); its id may then be added again.
-- Returns 1 when deleted, 0 when no message of the history has that id (also for an id folded
-- into a summary by compaction: it stays remembered). Cost: the message's distance from the
-- newest end. Errors: WRONGTYPE.
local s = load(FIELD)
local key = KEYS[4]
local id = ARGV[4]
if not mode_alive(s, s.mode) then return 0 end
local n, err = history_length(key)
if not n then return err end
if redis.call('HGET', MIDS, id) ~= HELD then return 0 end
local i, raw = find_message(key, id, n)
if not i then return 0 end
prepare(s, FIELD)
remove_index(key, i, n)
redis.call('HDEL', MIDS, id)
local at = deadline_of(s, 'c')
if n == 1 then keep_empty(key, at) end
expire_list(s, n == 1 and 'none' or 'list', key, at)
commit(s, FIELD, 'c', s.size - #raw)
return 1

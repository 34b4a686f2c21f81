-- updmsg: replaces the content (ARGV[5], a JSON string; '' = kept) and/or the metadata (ARGV[6],
-- a JSON object; '' = kept) of the message with JSON-encoded id ARGV[4] in the history (the list
-- field FIELD, `messages`), in place; its id, role and timestamp stay, and so does its entry in
-- the id index (a redelivery of the id still adds nothing). ARGV[7] maxValueBytes.
-- Returns { 1, updated message JSON }; { 0 } when no message of the history has that id;
-- { 2, bytes } when the updated message would exceed maxValueBytes; { 3 } when the element with
-- that id is not laid out as a convmem message. Cost: the message's distance from the newest
-- end. Errors: WRONGTYPE.
local s = load(FIELD)
local key = KEYS[4]
local id = ARGV[4]
if not mode_alive(s, s.mode) then return { 0 } end
local n, err = history_length(key)
if not n then return err end
if redis.call('HGET', MIDS, id) ~= HELD then return { 0 } end
local i, raw = find_message(key, id, n)
if not i then return { 0 } end
local head, content, middle, metadata = message_parts(raw)
if not head then return { 3 } end
if ARGV[5] ~= '' then content = ARGV[5] end
if ARGV[6] ~= '' then metadata = ARGV[6] end
local updated = head .. content .. middle .. metadata .. '}'
if #updated > tonumber(ARGV[7]) then return { 2, #updated } end
prepare(s, FIELD)
redis.call('LSET', key, i - n, updated)
-- The latest summary's copy (what a redelivered compacted id returns) follows its edits.
local summary = redis.call('HGET', MIDS, '')
if summary and msg_id(summary) == id then redis.call('HSET', MIDS, '', updated) end
expire_list(s, 'list', key, deadline_of(s, 'c'))
commit(s, FIELD, 'c', s.size - #raw + #updated)
return { 1, updated }

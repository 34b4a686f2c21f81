-- compact: replaces the oldest ARGV[4] elements of the history (the list field FIELD,
-- `messages`) with one summary message, if they are still exactly the elements the caller
-- summarized: ARGV[5] is the SHA-1 (hex) of those elements, each framed as `<bytes>:<element>`.
-- Elements appended meanwhile are after them and stay as they are. ARGV[6] the summary's
-- JSON-encoded id; ARGV[7] head and ARGV[8] tail of its JSON, joined around the server
-- timestamp.
-- The compacted messages' ids stay in the index, marked COMPACTED (a redelivery adds nothing
-- and returns the summary, kept in the index's '' entry); the summary becomes the first message.
-- Returns { 1, timestamp, new length }, or { 0 } when those elements changed meanwhile (the
-- caller summarizes again). Cost: the compacted elements, never the kept ones.
-- Errors: WRONGTYPE.
local s = load(FIELD)
local key = KEYS[4]
local count = tonumber(ARGV[4])
if not mode_alive(s, s.mode) then return { 0 } end
local n, err = history_length(key)
if not n then return err end
if n < count then return { 0 } end
local items = redis.call('LRANGE', key, 0, count - 1)
local framed = {}
for k = 1, #items do framed[k] = #items[k] .. ':' .. items[k] end
if redis.sha1hex(table.concat(framed)) ~= ARGV[5] then return { 0 } end
local sid = ARGV[6]
if redis.call('HEXISTS', MIDS, sid) == 1 then return { 0 } end
prepare(s, FIELD)
local raw = ARGV[7] .. string.format('%d', NOW) .. ARGV[8]
index_ids(items, 1, #items, true, COMPACTED)
if count == n then redis.call('DEL', key) else redis.call('LTRIM', key, count, -1) end
redis.call('LPUSH', key, raw)
redis.call('HSET', MIDS, sid, HELD, '', raw)
expire_list(s, count == n and 'none' or 'list', key, deadline_of(s, 'c'))
s.container = true
commit(s, FIELD, 'c', s.size - sum_bytes(items, 1, #items) + #raw)
return { 1, NOW, n - count + 1 }

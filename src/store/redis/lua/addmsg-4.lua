-- addmsg: appends a message unless its id is already in the history (idempotent).
-- ARGV[4] JSON-encoded id; ARGV[5] head and ARGV[6] tail of the message JSON, joined around
-- the server timestamp; ARGV[7] maxMessages ('' = unbounded).
-- Returns { 1, timestamp } when added, { 0, stored message JSON } when the id was present (for
-- an id compacted into a summary: the summary message).
-- Errors: WRONGTYPE (`messages` holds a non-list value): nothing is changed.
local max = tonumber(ARGV[7])
local r, m = add_message_fast(KEYS[4], ARGV[4], ARGV[5], ARGV[6], max)
if r then return r end
local s = state_of(FIELD, m)
prepare(s, FIELD)
return add_message(s, KEYS[4], ARGV[4], ARGV[5], ARGV[6], max)

-- history: a window of the history (the list field FIELD, `messages`), oldest first.
-- ARGV[4] JSON-encoded id of the message the window ends before ('' = the newest end);
-- ARGV[5] at most this many messages ('' = no limit); ARGV[6] token budget ('' = none): the
-- newest messages whose summed default token count (ceil(bytes / 4) of each stored message)
-- fits it.
-- Returns { 1, elements }, or { 0 } when ARGV[4] is not a message of the history. An id folded
-- into a summary by compaction has nothing older than it left: { 1, {} }.
-- Cost: the anchor's distance from the newest end (0 without ARGV[4]) plus the window.
-- Errors: WRONGTYPE.
local before = ARGV[4]
if not field_live() then
  if before ~= '' then return { 0 } end
  return { 1, {} }
end
local key = KEYS[4]
local n, err = history_length(key)
if not n then return err end
local hi = n -- the window ends before index hi
if before ~= '' then
  local mark = redis.call('HGET', MIDS, before)
  if not mark then return { 0 } end
  if mark == COMPACTED then return { 1, {} } end
  local i = find_message(key, before, n)
  if not i then return { 0 } end
  hi = i
end
local lo = 0
local limit = tonumber(ARGV[5])
if limit then lo = math.max(hi - limit, 0) end
if hi <= lo then return { 1, {} } end
local budget = tonumber(ARGV[6])
if not budget then return { 1, redis.call('LRANGE', key, lo - n, hi - 1 - n) } end
-- Newest first, in growing chunks, until the next message would exceed the budget.
local picked, total = {}, 0
local top, size = hi - 1, 16
while top >= lo do
  local from = math.max(top - size + 1, lo)
  local chunk = redis.call('LRANGE', key, from - n, top - n)
  for j = #chunk, 1, -1 do
    local raw = chunk[j]
    total = total + math.floor((#raw + 3) / 4)
    if total > budget then
      top = -1
      break
    end
    picked[#picked + 1] = raw
  end
  if top ~= -1 then top = from - 1 end
  if size < 1024 then size = size * 2 end
end
local out = {}
for i = #picked, 1, -1 do out[#out + 1] = picked[i] end
return { 1, out }

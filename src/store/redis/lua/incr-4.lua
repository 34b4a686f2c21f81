-- incr: adds ARGV[4] to an integer field (missing = 0). Returns the new value.
-- Errors: WRONGTYPE (not an integer), RANGE (result beyond +-(2^53 - 1)).
local s = load(FIELD)
prepare(s, FIELD)
local by = tonumber(ARGV[4])
local cur = 0
if s.mode then
  local v = redis.pcall('GET', KEYS[4])
  if type(v) == 'table' and v.err and wrongtype(v) then return fail('WRONGTYPE') end
  if v then
    if not string.match(v, '^%-?%d+$') or #v > 17 then return fail('WRONGTYPE') end
    cur = tonumber(v)
  end
end
local n = cur + by
if n > 9007199254740991 or n < -9007199254740991 then return fail('RANGE') end
local raw = string.format('%d', n)
local at = deadline_of(s, 'c')
if at == -1 then redis.call('SET', KEYS[4], raw) else redis.call('SET', KEYS[4], raw, 'PXAT', at) end
commit(s, FIELD, 'c', #raw)
return raw

-- incr: adds ARGV[4] to an integer field (missing = 0). Returns the new value.
-- Errors: WRONGTYPE (not an integer), RANGE (result beyond +-(2^53 - 1)).
-- ARGV[5] 'fast': a fast-path INCRBY of ARGV[4] already ran and returned exactly ARGV[4], so the
-- field held 0 or its key was missing and INCRBY created it outside the bookkeeping. A live
-- field keeps the increment (renewed as any write); otherwise the created key is deleted and
-- the increment applied here.
local s = load(FIELD)
if ARGV[5] == 'fast' then
  if mode_alive(s, s.mode) then
    prepare(s, FIELD)
    local raw = redis.call('GET', KEYS[4])
    local at = deadline_of(s, 'c')
    if at == -1 then redis.call('SET', KEYS[4], raw) else redis.call('SET', KEYS[4], raw, 'PXAT', at) end
    commit(s, FIELD, 'c', #raw)
    return raw
  end
  redis.call('DEL', KEYS[4])
end
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

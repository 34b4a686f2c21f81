-- incr: adds ARGV[4] to an integer field (missing = 0). Returns the new value.
-- Errors: WRONGTYPE (not an integer), RANGE (result beyond +-(2^53 - 1)).
-- ARGV[5] 'fast': a fast-path INCRBY of ARGV[4] already ran and returned exactly ARGV[4]: the
-- field held 0, or it had been removed (by another process, or its own TTL ran out) and INCRBY
-- created the key again outside the bookkeeping. Nothing is incremented here. A live field
-- is left as it is; a recreated key is adopted as the field (with the increments every
-- process's INCRBY added to it since, all of which came after the removal); a key removed
-- again meanwhile stays removed. Either way the conversation is renewed like any write.
-- Returns nil (the caller keeps the INCRBY result).
local s = load(FIELD)
if ARGV[5] == 'fast' then
  local raw = redis.call('GET', KEYS[4])
  if mode_alive(s, s.mode) or not raw then
    prepare(s, FIELD)
    commit(s, FIELD, nil, 0)
    return nil
  end
  prepare(s, FIELD)
  local at = deadline_of(s, 'c')
  if at == -1 then redis.call('SET', KEYS[4], raw) else redis.call('SET', KEYS[4], raw, 'PXAT', at) end
  commit(s, FIELD, 'c', #raw)
  return nil
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

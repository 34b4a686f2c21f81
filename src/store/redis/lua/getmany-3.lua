-- getmany: several fields' values and map keys' values, as of one moment. ARGV[4..] entries:
-- 'f' field | 'k' field key. Returns one reply per entry, in order: a field's value as `get`
-- returns it, a map key's value as { 1, raw }, false when missing; or { 0, i } alone when entry
-- i is a map key of a field holding a value that is not a map. Errors: WRONGTYPE never raised.
local dl = state_dl(redis.call('HGET', META, 'c'))
local out = {}
local i, n = 4, 0
while i <= #ARGV do
  n = n + 1
  local kind, field = ARGV[i], ARGV[i + 1]
  local live = field_alive(dl, redis.call('HGET', META, 'f:' .. field))
  local key = fkey(field)
  if kind == 'f' then
    out[n] = live and read_value(key) or false
    i = i + 2
  else
    local v = false
    if live then
      local ok, r = pcall(redis.call, 'HGET', key, ARGV[i + 2])
      if ok then
        v = r
      else
        wrongtype(r)
        if redis.pcall('GET', key) ~= EMPTY_MAP then return { 0, n } end
      end
    end
    out[n] = v and { 1, v } or false
    i = i + 3
  end
end
return { 1, out }

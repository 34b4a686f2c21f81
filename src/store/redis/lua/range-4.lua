-- range: elements of a list field with Array.prototype.slice(ARGV[4], ARGV[5]) semantics
-- ('' = omitted). A missing field is []. Errors: WRONGTYPE.
local m = redis.call('HMGET', META, 'dl', 'f:' .. FIELD)
if not mode_alive({ dl = tonumber(m[1]) }, m[2]) then return {} end
local key = KEYS[4]
local ok, n = pcall(redis.call, 'LLEN', key)
if not ok then
  wrongtype(n)
  if redis.call('GET', key) == EMPTY then return {} end
  return fail('WRONGTYPE')
end
local function norm(x, default)
  if x == nil then return default end
  if x < 0 then return math.max(n + x, 0) end
  return math.min(x, n)
end
local a = norm(tonumber(ARGV[4]), 0)
local b = norm(tonumber(ARGV[5]), n)
if a >= b then return {} end
return redis.call('LRANGE', key, a, b - 1)

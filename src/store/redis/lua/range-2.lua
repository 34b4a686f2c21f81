-- range: elements of a list field with Array.prototype.slice(ARGV[2], ARGV[3]) semantics
-- ('' = omitted). A missing field is []. Errors: WRONGTYPE.
if not field_live() then return {} end
local key = KEYS[2]
local from, to = tonumber(ARGV[2]), tonumber(ARGV[3])
-- slice(from) with from <= 0 (the newest -from elements, or all) is LRANGE from -1 as it is:
-- no length needed.
if to == nil and (from == nil or from <= 0) then
  local items = redis.pcall('LRANGE', key, from or 0, -1)
  if type(items) ~= 'table' or not items.err then return items end
  return not_a_list(key, items, {})
end
local ok, n = pcall(redis.call, 'LLEN', key)
if not ok then return not_a_list(key, n, {}) end
local function norm(x, default)
  if x == nil then return default end
  if x < 0 then return math.max(n + x, 0) end
  return math.min(x, n)
end
local a = norm(from, 0)
local b = norm(to, n)
if a >= b then return {} end
return redis.call('LRANGE', key, a, b - 1)

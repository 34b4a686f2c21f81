-- mapget: the values of keys ARGV[2..] of the map field ARGV[1] (false for a missing key), in
-- order; a missing or expired field has none. Cost: O(keys asked), whatever the map's size.
-- Errors: WRONGTYPE.
if not field_live() then return {} end
local key = KEYS[2]
local out = {}
local i = 2
while i <= #ARGV do
  local j = math.min(i + CHUNK - 1, #ARGV)
  local ok, values = pcall(redis.call, 'HMGET', key, unpack(ARGV, i, j))
  if not ok then return not_a_map(key, values, {}) end
  for _, v in ipairs(values) do out[#out + 1] = v end
  i = j + 1
end
return out

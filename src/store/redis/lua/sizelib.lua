-- sizelib.lua: the size of a field's value, shared by the write and registry preludes.
-- Scalars are measured (STRLEN): fast-path writes (`SET … XX KEEPTTL`) do not update meta.
-- Lists keep their size in meta: `s:<field>` covers the first `n:<field>` elements; elements
-- appended since by fast-path `RPUSHX` are summed here (at most one fast-path window's worth).

-- UTF-8 bytes of a live field's value at `key`; `recorded` and `covered` are its s:/n: entries.
local function field_size(key, recorded, covered)
  local ty = redis.call('TYPE', key)['ok']
  if ty == 'string' then
    local len = redis.call('STRLEN', key)
    if len == 2 and redis.call('GET', key) == '[]' then return 0 end
    return len
  end
  if ty ~= 'list' then return 0 end
  local size = tonumber(recorded) or 0
  local from = tonumber(covered)
  if from == nil then return size end
  local len = redis.call('LLEN', key)
  if len > from then
    for _, v in ipairs(redis.call('LRANGE', key, from, -1)) do size = size + #v end
  end
  return size
end

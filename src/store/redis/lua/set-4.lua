-- set: writes a whole value.
-- ARGV[4] ttl: '' follow the conversation, '-1' pinned forever, N pinned for N seconds
-- ARGV[5] kind: 's' scalar (ARGV[6] raw JSON) | 'l' list (ARGV[6..] elements)
local s = load(FIELD)
prepare(s, FIELD)
local mode = 'c'
if ARGV[4] == '-1' then mode = '-1' elseif ARGV[4] ~= '' then mode = tostring(NOW + tonumber(ARGV[4]) * 1000) end
local size = write_value(s, FIELD, KEYS[4], ARGV[5], ARGV, 6, #ARGV, mode)
commit(s, FIELD, mode, size)
return 1

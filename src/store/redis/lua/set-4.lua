-- set: writes a whole value.
-- ARGV[4] ttl: '' follow the conversation, '-1' pinned forever, N pinned for N seconds
-- ARGV[5] kind: 's' scalar (ARGV[6] raw JSON) | 'l' list (ARGV[6..] elements)
local s = load(FIELD)
prepare(s, FIELD)
local mode = set_mode(ARGV[4])
local size = write_value(s, FIELD, KEYS[4], ARGV[5], ARGV, 6, #ARGV, mode)
commit(s, FIELD, mode, size)
return 1

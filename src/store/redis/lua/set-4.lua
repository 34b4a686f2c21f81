-- set: writes a whole value.
-- ARGV[4] ttl: '' follow the conversation, '-1' pinned forever, N pinned for N seconds
-- ARGV[5] kind: 's' scalar (ARGV[6] raw JSON) | 'l' list (ARGV[6..] elements)
local m
if ARGV[4] == '' and ARGV[5] == 's' then
  local done
  done, m = set_scalar_fast(KEYS[4], ARGV[6])
  if done then return 1 end
end
local s
if m then s = state_of(FIELD, m) else s = load(FIELD) end
prepare(s, FIELD)
local mode = set_mode(ARGV[4])
local size = write_value(s, FIELD, KEYS[4], ARGV[5], ARGV, 6, #ARGV, mode)
commit(s, FIELD, mode, size)
return 1

-- push (append/extend): RPUSH ARGV[5..] to a list field, creating it when missing.
-- ARGV[4] maxLength ('' = unbounded): drops the oldest elements beyond it.
-- Returns the new length. Errors: WRONGTYPE (field holds a non-list value).
local s = load(FIELD)
prepare(s, FIELD)
return push_items(s, KEYS[4], ARGV, 5, #ARGV, tonumber(ARGV[4]))

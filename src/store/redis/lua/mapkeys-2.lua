-- mapkeys: a page of the keys of the map field ARGV[1]: HSCAN of that one hash (never of the
-- keyspace) from cursor ARGV[2], about ARGV[3] keys. Returns { next cursor ('0' = done), keys }.
-- Cost: O(ARGV[3]) per page. Errors: WRONGTYPE.
if not field_live() then return { '0', {} } end
local key = KEYS[2]
local ok, page = pcall(redis.call, 'HSCAN', key, ARGV[2], 'COUNT', ARGV[3])
if not ok then return not_a_map(key, page, { '0', {} }) end
local keys = {}
for i = 1, #page[2], 2 do keys[#keys + 1] = page[2][i] end
return { page[1], keys }

-- mapdel: removes key ARGV[4] of the map field FIELD. Returns 1 if it was there, else 0.
-- Cost: O(1). Errors: WRONGTYPE (the field holds a value that is not a map).
return map_delete(load(FIELD), FIELD, KEYS[4], ARGV[4])

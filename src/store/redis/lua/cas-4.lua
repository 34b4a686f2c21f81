-- cas (modify): writes a new value only if the field still holds the expected one.
-- ARGV[4] expected kind: 'n' none | 's' scalar | 'l' list;  ARGV[5] expected count E;
-- ARGV[6 .. 5+E] expected raw values; then new kind, then the new raw values.
-- Returns { 1 } on success, or { 0, current } (as `get` returns it) on conflict.
local ekind = ARGV[4]
local en = tonumber(ARGV[5])
local m
-- A scalar (or nothing) replaced by a scalar: the straight-line write when it applies.
if ekind ~= 'l' and ARGV[6 + en] == 's' then
  local done
  done, m = set_scalar_fast(KEYS[4], ARGV[7 + en], ekind, ARGV[6])
  if done then return { 1 } end
end
local s
if m then s = state_of(FIELD, m) else s = load(FIELD) end
local cur = nil
if mode_alive(s, s.mode) then cur = read_value(KEYS[4]) end
local same
if ekind == 'n' then
  same = cur == nil
elseif cur == nil then
  same = false
elseif ekind == 's' then
  same = cur[1] == 1 and cur[2] == ARGV[6]
else
  same = cur[1] == 2 and #cur[2] == en
  if same then
    for i = 1, en do
      if cur[2][i] ~= ARGV[5 + i] then same = false; break end
    end
  end
end
if not same then return { 0, cur } end
prepare(s, FIELD)
local nk = 6 + en
local size = write_value(s, FIELD, KEYS[4], ARGV[nk], ARGV, nk + 1, #ARGV, 'c')
commit(s, FIELD, 'c', size)
return { 1 }

-- expect: timeout
-- table.unpack of 900000 values, again and again, the results thrown away: one VM
-- instruction fills the stack with them all and allocates nothing. Unchecked, the
-- loop would run for about a minute and a half.
local t = {}
for i = 1, 900000 do t[i] = i end
for _ = 1, 100000 do table.unpack(t) end

-- expect: error: not enough memory
local parts = {}
for i = 1, 700000 do parts[i] = "x = " .. i .. " + 1\n" end
local src = table.concat(parts)
assert(#src > 10e6)
local f = assert(load(src))
f()
return x

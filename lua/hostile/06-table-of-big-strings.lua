-- expect: memory_limit
local t = {}
for i = 1, 1e9 do t[i] = string.rep("x", 1e5) .. i end

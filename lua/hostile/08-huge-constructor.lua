-- expect: memory_limit
local src = "return {" .. string.rep("1,", 2e6) .. "}"
local f = assert(load(src))
local t = {}
for i = 1, 100 do t[i] = f() end

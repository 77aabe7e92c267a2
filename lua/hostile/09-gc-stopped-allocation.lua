-- expect: memory_limit
collectgarbage("stop")
local t = {}
for i = 1, 1e9 do t[#t + 1] = string.rep("z", 1000) .. i end

-- expect: instruction_limit truncated
local chunk = string.rep("y", 1000)
while true do io.write(chunk) end

-- expect: instruction_limit
local f = coroutine.wrap(function() while true do pcall(coroutine.yield) end end)
while true do pcall(f) end

-- expect: instruction_limit
-- Finalizers that each make a new finalizable object, forever, while the script allocates and
-- collects. (Their errors once the budget is spent would be warnings: off, as in lua.)
warn("@off")
local mt = {}
mt.__gc = function() setmetatable({}, mt) for i = 1, 50 do end end
for i = 1, 10 do setmetatable({}, mt) end
while true do local t = {} collectgarbage("step") end

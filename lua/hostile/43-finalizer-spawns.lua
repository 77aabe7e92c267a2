-- expect: instruction_limit
-- Finalizers that make more finalizable objects, forever, and collect from inside. (Their
-- errors once the budget is spent would be warnings: off, as in lua.)
warn("@off")
local mt = {}
mt.__gc = function() for i = 1, 3 do setmetatable({}, mt) end collectgarbage() end
setmetatable({}, mt)
while true do collectgarbage("step") end

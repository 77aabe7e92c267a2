-- expect: instruction_limit
-- Finalizers run under the budget, also the ones the end of the eval runs.
for i = 1, 100 do setmetatable({}, {__gc = function() while true do end end}) end
return "finalizers left behind"

-- expect: error: __gc finalizers are not available in the sandbox
for i = 1, 100 do setmetatable({}, {__gc = function() while true do end end}) end
return "finalizers left behind"

-- expect: ok
-- A finalizer that resurrects its object and marks it again: it runs at each collection, and
-- once more when the eval ends, never in a later eval.
local mt = {}
local runs = 0
mt.__gc = function(o) runs = runs + 1; setmetatable(o, mt) end
setmetatable({}, mt)
for i = 1, 20 do collectgarbage() end
assert(runs >= 19, runs)
return runs

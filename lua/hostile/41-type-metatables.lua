-- expect: ok
-- Metatables of the basic types last for the eval (the next eval checks ('x'):upper()).
debug.setmetatable("", {__index = {upper = function() return "pwned" end}})
debug.setmetatable(0, {__index = function() return "pwned" end})
debug.setmetatable(nil, {__index = function() return "pwned" end})
debug.setmetatable(true, {__call = function() return "pwned" end})
debug.setmetatable(print, {__index = function() return "pwned" end})
debug.setmetatable(coroutine.running(), {__index = function() return "pwned" end})
local t = true
assert(("x"):upper() == "pwned" and (1).x == "pwned" and (nil).x == "pwned" and t() == "pwned")
assert(print.x == "pwned" and coroutine.running().x == "pwned")
return "changed for this eval"

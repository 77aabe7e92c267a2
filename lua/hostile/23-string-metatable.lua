-- expect: ok
-- The string metatable can be changed within an eval; the next eval has it back.
getmetatable("").__index = {upper = function() return "changed" end}
return ("x"):upper()

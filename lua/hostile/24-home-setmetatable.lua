-- expect: error: cannot change a protected metatable
setmetatable(_home, {__index = function() return "pwned" end})

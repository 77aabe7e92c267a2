-- An error object with __tostring: lua reports its text (and no traceback).
print("start")
local E = setmetatable({code = 7}, {__tostring = function(e) return "custom error " .. e.code end})
local ok, e = pcall(error, E)
print(ok, e == E, tostring(e))
error(E)

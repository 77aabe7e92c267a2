-- debug.setmetatable on values without their own metatables lasts for the script.
-- (A protected metatable stays protected from the debug library in the sandbox, zig/ABI.md §8.)
debug.setmetatable(10, {__index = {double = function(n) return n * 2 end}, __call = function(n, x) return n + x end})
print((21):double(), (5)(3))
print(getmetatable(1.5) == getmetatable(1))
debug.setmetatable(nil, {__index = function(_, k) return "nil." .. k end})
local v = nil
print(v.anything)
debug.setmetatable(nil, nil)
print(pcall(function() return v.anything end))
debug.setmetatable(true, {__len = function() return 99 end})
print(#true)
local f = function() end
debug.setmetatable(f, {__index = {name = "fn"}})
print(print.name, f.name)
print(debug.getmetatable("x").__index == string)
local t = setmetatable({}, {__metatable = "protected"})
print(getmetatable(t), pcall(setmetatable, t, {}))
local plain = {}
print(debug.setmetatable(plain, {__index = {x = 1}}) == plain, plain.x, debug.getmetatable(plain) == getmetatable(plain))
print(pcall(debug.setmetatable, {}, 1))
debug.setmetatable(10, nil)
print(pcall(function() return (1):double() end))

-- Errors raised inside metamethods: messages and the traceback through them.
local mt = {}
mt.__index = function(t, k) error("no field " .. k) end
mt.__add = function(a, b) return a.value + b end
mt.__tostring = function() return "object" end
local obj = setmetatable({}, mt)
print(pcall(function() return obj.missing end))
print(pcall(function() return obj + 1 end))
print(tostring(obj), pcall(string.rep, obj))
local calls = setmetatable({}, {__call = function(self, x) return x * 2 end})
print(calls(21), pcall(calls, "x"))
local function use() return obj.field end
use()

-- __index and __newindex as tables and functions, rawget/rawset, protected metatables.
print("testing __index and __newindex")
local defaults = {color = "red", size = 1}
local t = setmetatable({size = 5}, {__index = defaults})
print(t.color, t.size, rawget(t, "color"), t.missing)
local calls = {}
local proxy = setmetatable({}, {
  __index = function(_, k) calls[#calls + 1] = "get " .. tostring(k) return k .. "!" end,
  __newindex = function(tbl, k, v) calls[#calls + 1] = "set " .. k rawset(tbl, k, v * 2) end,
})
print(proxy.a, proxy.b)
proxy.x = 21
print(proxy.x, rawget(proxy, "x"))
proxy.x = 1  -- x exists now: no __newindex
print(proxy.x, table.concat(calls, ", "))
local store = {}
local redirect = setmetatable({}, {__newindex = store})
redirect.k = "v"
print(rawget(redirect, "k"), store.k)
local a = setmetatable({}, {__index = setmetatable({}, {__index = function(_, k) return "deep " .. k end})})
print(a.z)
local locked = setmetatable({}, {__metatable = "locked", __index = {x = 1}})
print(getmetatable(locked), locked.x, pcall(setmetatable, locked, {}))
print(getmetatable("abc").__index == string, ("x"):upper())
local loop = setmetatable({}, {})
getmetatable(loop).__index = loop
print(pcall(function() return loop.anything end))
print(rawequal(t, t), rawequal(t, {}), rawlen({1, 2}), rawlen("abc"))
print("OK")

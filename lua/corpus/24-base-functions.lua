-- The base library: type, tostring, rawequal, rawlen, next, ipairs, select, getmetatable.
print("testing base functions")
print(type(nil), type(true), type(1), type(1.5), type("s"), type({}), type(print), type(coroutine.create(print)))
print(tostring(nil), tostring(true), tostring(false), tostring(12), tostring("s"))
print(pcall(tostring))
print(next({}), next({10}), next({10}, 1))
print(pcall(next, {}, "nokey"))
local t = {1, 2, nil, 4}
local n = 0
for i, v in ipairs(t) do n = n + 1 end
print(n, rawlen({1, 2, 3}), #"four")
print(select("#", nil, nil), select(2, "a", "b"))
print(getmetatable({}), getmetatable(1), getmetatable("").__name)
local seq = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 10 end end})
for i, v in ipairs(seq) do io.write(i, "=", v, " ") end print()
print(rawequal("a", "a"), rawequal(1, 1.0), rawequal({}, {}))
print(collectgarbage("isrunning"), collectgarbage("step") ~= nil, math.type(collectgarbage("count")))
print(collectgarbage(), collectgarbage("incremental"), collectgarbage("generational"), collectgarbage("incremental"))
print(pcall(collectgarbage, "nonsense"))
print(_G._G == _G, _G.print == print, _VERSION)
print(pcall(setmetatable, 1, {}))
print(pcall(ipairs))
print(pcall(rawlen, 5))
print("OK")

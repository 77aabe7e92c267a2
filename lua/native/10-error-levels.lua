-- error(msg, level), assert, and positions in nested functions.
local function lvl(n) error("level " .. n, n) end
local function caller(n) lvl(n) end
for n = 0, 3 do print(pcall(caller, n)) end
print(pcall(assert, false))
print(pcall(assert, nil, "assert message"))
local ok, e = pcall(assert, false, {1})
print(ok, type(e), e[1])
print(select("#", assert(1, 2, 3)))
print(pcall(error, "no position", 0))
print(pcall(error, "with position"))
local co = coroutine.wrap(function() error("in a coroutine") end)
print(pcall(co))
local co2 = coroutine.create(function() local x = nil; return x.field end)
print(coroutine.resume(co2))
print(coroutine.status(co2))

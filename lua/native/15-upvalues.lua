-- getupvalue / setupvalue / upvalueid / upvaluejoin.
-- (The upvalues of C functions are hidden in the sandbox, zig/ABI.md §8, so none is read here.)
local a, b = 1, 2
local function f() return a + b end
local function g() return b end
print(debug.getupvalue(f, 1))
print(debug.getupvalue(f, 2))
print(debug.getupvalue(f, 3))
print(debug.setupvalue(f, 1, 10), a, f())
print(debug.setupvalue(f, 5, 10))
print(debug.upvalueid(f, 2) == debug.upvalueid(g, 1))
print(debug.upvalueid(f, 1) == debug.upvalueid(g, 1))
print(pcall(debug.upvalueid, f, 3))
debug.upvaluejoin(f, 1, g, 1)
print(f(), debug.upvalueid(f, 1) == debug.upvalueid(g, 1))
b = 5
print(f(), g())
print(pcall(debug.upvaluejoin, f, 1, print, 1))
print(pcall(debug.upvaluejoin, f, 9, g, 1))
local function env() return print end
print(debug.getupvalue(env, 1) == "_ENV")
local counter = (function() local n = 0 return function() n = n + 1 return n end end)()
counter()
print(debug.getupvalue(counter, 1))
debug.setupvalue(counter, 1, 100)
print(counter())

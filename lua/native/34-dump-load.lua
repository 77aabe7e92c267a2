-- string.dump and load round trip: the function, its upvalues (fresh, nil), strip, modes.
local function add(a, b) return a + b end
local bin = string.dump(add)
print(type(bin), bin:sub(1, 4) == "\27Lua")
local again = load(bin)
print(again(2, 3))
print(load(bin, "dumped", "b")(4, 5))
print(load(bin, "dumped", "t"))
print(load("return 1", "text", "b"))
local x = 10
local function withup() return x end
local copy = load(string.dump(withup))
print(copy() == _ENV)
print(debug.setupvalue(copy, 1, 7), copy())
local stripped = load(string.dump(function(a) error("stripped " .. a) end, true))
print(pcall(stripped, "fn"))
local kept = load(string.dump(function(a) error("kept " .. a) end))
print(pcall(kept, "fn"))
print(pcall(string.dump, print))
local function info() return debug.getinfo(1, "S").source end
print(load(string.dump(info))())
local gen = load(string.dump(function(...) local t = {...} return t[3], select("#", ...) end))
print(gen(1, nil, 3, nil))
local f = load("local a = ... return a * 2", "=named")
print(f(21), load(string.dump(f))(4))

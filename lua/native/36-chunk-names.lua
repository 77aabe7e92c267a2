-- Chunk names as lua gives them: the script's own, load's "=name", "@name" and strings.
print(debug.getinfo(1, "S").source, debug.getinfo(1, "S").short_src)
print(pcall(load("error('x')", "=custom")))
print(pcall(load("error('x')", "@file.lua")))
print(pcall(load("error('x')")))
print(pcall(load("\n\nerror('x')", "a chunk with a long name that goes on and on past the limit of short_src")))
print(pcall(load("error('x')", "line one\nline two")))
print(load("x =", "=syntax"))
print(load("x ="))
print(type(load(function() return nil end)))
local parts = {"return ", "1 + ", "41"}
local i = 0
print(load(function() i = i + 1 return parts[i] end)())
print(pcall(load, "return 1", "n", "q"))
print(debug.getinfo(print).short_src)
local function here() error("in a function", 1) end
print(pcall(here))

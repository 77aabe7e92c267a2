-- load's errors: modes, readers, and the position of an error raised inside load.
print("testing load errors")
print(load("return 1", "text only", "b"))
print(load("\27Lua", "binary", "t"))
print(load(function() return {} end))
print(type(load("return 1", "c", "tb")))
local calls = 0
print(load(function() calls = calls + 1 if calls == 1 then return "return 'read in pieces'" end end)())
print(pcall(load, function() error("reader failed") end))
print(pcall(load))
print("OK")

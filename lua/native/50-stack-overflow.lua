-- Stack overflow: caught with pcall, then escaping the chunk.
local function recurse(n) return 1 + recurse(n + 1) end
local ok, msg = pcall(recurse, 1)
print(ok, msg)
local function deeper() deeper() end
print(pcall(deeper))
local co = coroutine.wrap(function() return recurse(1) end)
print(pcall(co))
print(pcall(string.rep, "x", -1))
recurse(1)

-- Call and return hooks, with the names of the functions, tail calls included.
local log = {}
local function hook(event)
  local info = debug.getinfo(2, "nS")
  log[#log + 1] = event .. " " .. tostring(info.name) .. " " .. info.what
end
local function leaf(x) return x * 2 end
local function tail(x) return leaf(x) end
local function middle(x) local y = tail(x) return y + 1 end
debug.sethook(hook, "cr")
middle(1)
string.rep("x", 2)
debug.sethook()
print(table.concat(log, "\n"))
print(debug.gethook())
local h = function() end
debug.sethook(h, "crl", 5)
local f, mask, count = debug.gethook()
debug.sethook()
print(f == h, mask, count)
debug.sethook(h, "c")
print(select(2, debug.gethook()))
debug.sethook(h, "", 0)
print(debug.gethook())
debug.sethook()
local co = coroutine.create(function() return debug.gethook() end)
debug.sethook(h, "r")
print(coroutine.resume(co))
debug.sethook()
debug.sethook(co, h, "l")
print(select(2, debug.gethook(co)))

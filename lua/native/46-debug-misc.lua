-- The smaller functions of the debug library, and hooks that fail.
print(debug.getuservalue(1))
print(debug.getuservalue({}, 1))
print(pcall(debug.setuservalue, {}, 1))
print(debug.setcstacklimit(1000))
print(debug.getmetatable(1))
local ok, e = pcall(function()
  debug.sethook(function(event, line) debug.sethook() error("hook fails at " .. event .. " " .. line) end, "l")
  local x = 1
end)
print(ok, e, debug.gethook())
local function f(...) return debug.getinfo(1, "u") end
local info = f(1, 2, 3)
print(info.nups, info.nparams, info.isvararg)
print(pcall(debug.getlocal, 1, 0))
print(pcall(debug.setlocal, 1, 0, 0))
print(pcall(debug.getupvalue, {}, 1))
print(pcall(debug.traceback, 1, 2, 3))
print(pcall(debug.traceback, "x", "not a level"))
local main = debug.getinfo(1, "fL")
local count = 0
for _ in pairs(main.activelines) do count = count + 1 end
print(type(main.func), count > 10)

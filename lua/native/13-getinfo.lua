-- debug.getinfo's fields for Lua and C functions and for stack levels.
local function show(t)
  local keys = {}
  for k in pairs(t) do if k ~= "func" and k ~= "activelines" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do io.write(k, "=", tostring(t[k]), " ") end
  io.write("\n")
end
local function sample(a, b, ...)
  local x = a + b
  return x
end
show(debug.getinfo(sample))
show(debug.getinfo(print))
show(debug.getinfo(1))
show(debug.getinfo(1, "l"))
show(debug.getinfo(1, "S"))
local function named() return debug.getinfo(1, "n") end
show(named())
local t = {m = function() return debug.getinfo(1, "n") end}
show(t.m())
show(t:m())
local function caller() return debug.getinfo(2, "nSl") end
show(caller())
local lines = debug.getinfo(sample, "L").activelines
local list = {}
for l in pairs(lines) do list[#list + 1] = l end
table.sort(list)
print(table.concat(list, " "))
print(debug.getinfo(sample).func == sample, debug.getinfo(1, "f").func ~= nil)
print(debug.getinfo(100))
print(pcall(debug.getinfo, 1, ">"))
print(pcall(debug.getinfo, {}))
local function tail() return debug.getinfo(1, "t").istailcall end
local function calltail() return tail() end
print(calltail())
local co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
show(debug.getinfo(co, 1, "Sl"))
print(debug.getinfo(co, 5))
show(debug.getinfo(string.gsub, "Su"))
show(debug.getinfo(1, "r"))

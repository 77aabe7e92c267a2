-- The debug library on coroutines: tracebacks, getinfo, hooks per thread, error positions.
local co = coroutine.create(function(a, b)
  local sum = a + b
  coroutine.yield(sum)
  error("failed inside with " .. sum)
end)
print(coroutine.resume(co, 1, 2))
print(debug.getinfo(co, 1, "l").currentline, debug.getlocal(co, 1, 3))
print(coroutine.resume(co))
print(coroutine.status(co), debug.traceback(co))
local lines = {}
local traced = coroutine.create(function()
  local x = 1
  x = x + 1
  return x
end)
debug.sethook(traced, function(_, l) lines[#lines + 1] = l end, "l")
print(coroutine.resume(traced))
print(table.concat(lines, " "))
print(debug.gethook())
local w = coroutine.wrap(function() local t = nil; return t.x end)
print(pcall(w))
print(coroutine.isyieldable(), type(coroutine.running()))
print(select(2, coroutine.running()))
print(coroutine.resume(coroutine.running()))
local co2 = coroutine.wrap(function() print(coroutine.isyieldable(), select(2, coroutine.running())) end)
co2()
print(pcall(coroutine.resume, co))
print(coroutine.resume(co))

-- debug.traceback: levels, messages, non-string messages, other threads.
local function f() return debug.traceback("msg") end
local function g() return f() end  -- a tail call
print(g())
print(debug.traceback())
print(debug.traceback("level 2", 2))
print(debug.traceback("level 99", 99))
print(debug.traceback(nil))
local t = {}
print(debug.traceback(t) == t)
print(debug.traceback(42))
local co = coroutine.create(function(a)
  local function inside() coroutine.yield(a) end
  inside()
end)
coroutine.resume(co, 1)
print(debug.traceback(co))
print(debug.traceback(co, "in co"))
print(debug.traceback(co, "in co, level 1", 1))
local dead = coroutine.create(function() error("dead") end)
coroutine.resume(dead)
print(debug.traceback(dead))
local function recurse(n) if n == 0 then return debug.traceback("deep") end return recurse(n - 1), 1 end
print(recurse(30))

-- coroutine.yield from every place a Lua program calls it: a plain call and
-- a tail call (the sandbox returns from these instead of unwinding, see
-- zig/src/lyield.h), a tail call from a vararg function, and the places it
-- still unwinds: inside pcall, a metamethod, a for iterator, a nested
-- coroutine. Each must resume with the same values, stack and tracebacks.

print("testing yields")

local function gen(n)
  return coroutine.wrap(function(...)
    local got = { ... }
    for i = 1, n do got[#got + 1] = coroutine.yield(i, i * 2) end
    return "done", table.concat(got, ",")
  end)
end
local g = gen(3)
print(g("a", "b"))
print(g("x"))
print(g("y", "z"))
print(g("w"))

-- A tail call of yield, with fixed and variable arguments.
local co = coroutine.create(function(a)
  local function tail(x) return coroutine.yield(x + 1) end
  local function vtail(...) return coroutine.yield(select("#", ...), ...) end
  local b = tail(a)
  local c, d = vtail(b, nil, b)
  return a, b, c, d
end)
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 20))
print(coroutine.resume(co, 30, 40))
print(coroutine.resume(co))
print(coroutine.status(co))

-- Inside pcall, a metamethod, an iterator, a nested coroutine.
local mt = { __index = function(_, k) return coroutine.yield("index " .. k) end,
             __add = function(a, b) return coroutine.yield("add") end }
co = coroutine.wrap(function()
  local ok, v = pcall(function() return coroutine.yield("in pcall") + 1 end)
  print("pcall gave", ok, v)
  local t = setmetatable({}, mt)
  print("index gave", t.key)
  print("add gave", t + 1)
  for k, v in function(_, i) i = (i or 0) + 1 if i <= 2 then return i, coroutine.yield("iter " .. i) end end do
    print("loop", k, v)
  end
  local inner = coroutine.wrap(function() coroutine.yield("inner 1") return "inner end" end)
  print(inner(), coroutine.yield("outer"), inner())
  return "end"
end)
local r = co()
while r ~= "end" do
  print("yielded", r)
  r = co(#r)
end

-- A suspended coroutine's traceback and status; closing it; yielding from
-- deep Lua calls; errors after a yield.
local deep = coroutine.create(function()
  local function f(n) if n == 0 then return coroutine.yield("deep") end return f(n - 1) + 1 end
  local v = f(50)
  error("after " .. v)
end)
print(coroutine.resume(deep))
print((debug.traceback(deep):gsub("\n%s*", " | ")))
print(coroutine.resume(deep, 7))
print(coroutine.status(deep), coroutine.resume(deep))

local closing = coroutine.create(function()
  local t <close> = setmetatable({}, { __close = function() print("closed") end })
  coroutine.yield(1)
end)
print(coroutine.resume(closing))
print(coroutine.close(closing), coroutine.status(closing))

print(coroutine.isyieldable(), select("#", coroutine.running()))
print(pcall(coroutine.yield, 1))

local count = 0
local producer = coroutine.wrap(function() for i = 1, 100000 do coroutine.yield(i) end return 0 end)
repeat local v = producer() count = count + v until v == 0
print(count)

print "OK"

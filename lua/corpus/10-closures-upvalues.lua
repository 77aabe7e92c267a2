-- Closures share upvalues; each loop iteration has a fresh variable.
print("testing closures")
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
inc() inc()
local inc2 = counter()
inc2()
print(get(), inc(), get(), inc2())
local fs = {}
for i = 1, 3 do fs[i] = function() return i * 10 end end
print(fs[1](), fs[2](), fs[3]())
local gs = {}
local j = 0
while j < 3 do
  j = j + 1
  local k = j
  gs[j] = function() k = k + 100 return k end
end
print(gs[1](), gs[1](), gs[2](), gs[3]())
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
local function make_adder(x) return function(y) return x + y end end
local add5 = make_adder(5)
print(add5(1), make_adder(0.5)(1), add5(add5(0)))
local shared
do
  local v = "first"
  shared = {get = function() return v end, set = function(x) v = x end}
end
shared.set("second")
print(shared.get())
print("OK")

-- coroutines: a generator pipeline (coroutine.wrap), a producer/consumer pair
-- passing values both ways (resume/yield), and many short-lived coroutines.
-- bench: tiny N = 300
local N = N or 1800000

local function range(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i) end
  end)
end

local function filter(pred, gen)
  return coroutine.wrap(function()
    for v in gen do
      if pred(v) then coroutine.yield(v) end
    end
  end)
end

local function map(fn, gen)
  return coroutine.wrap(function()
    for v in gen do coroutine.yield(fn(v)) end
  end)
end

local sum = 0
for v in map(function(x) x = x % 1000 return x * x % 1000 end, filter(function(x) return x % 3 ~= 0 end, range(N))) do
  sum = (sum + v) % 1000003
end

-- The consumer sends a running total back to the producer at every step.
local producer = coroutine.create(function(n)
  local got = 0
  for i = 1, n do
    got = (got + coroutine.yield(i)) % 1000003
  end
  return got
end)
local _, v = coroutine.resume(producer, N // 2)
local total = 0
while coroutine.status(producer) ~= "dead" do
  total = (total + v * 7) % 1000003
  _, v = coroutine.resume(producer, total)
end

local short = 0
for i = 1, N // 20 do
  local co = coroutine.create(function(a, b)
    local c = coroutine.yield(a + b)
    return a * c
  end)
  local _, x = coroutine.resume(co, i, 1)
  local _, y = coroutine.resume(co, x % 97)
  short = (short + y) % 1000003
end

print("coroutines", N, sum, total, v, short)

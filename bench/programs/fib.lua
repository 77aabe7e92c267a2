-- fib: recursive function calls (naive Fibonacci).
-- bench: tiny N = 12
local N = N or 35

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

print("fib", N, fib(N))

-- Deep recursion, proper tail calls, and a caught stack overflow.
print("testing recursion")
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(10000))
local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + 1) end
print(loop(1000000, 0))
local function forever(n) return 1 + forever(n + 1) end
local ok, err = pcall(forever, 1)
print(ok, (string.gsub(err, "^input:%d+: ", "")))
local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end
print(ack(2, 3), ack(3, 3))
local even, odd
function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print(even(100001), odd(7))
local ok2, err2 = pcall(string.rep, "x", -1)
print(ok2, err2 == "")
print("OK")

-- A chunk that runs for millions of instructions inside Lua-to-Lua calls,
-- a coroutine and a protected call, so that the sandbox starts its running
-- frame over in a new call of the VM several times (zig/src/lvm_budget.h):
-- every value, error and return below must come out as in lua.

print("testing long frames")

local function spin(n)            -- about 4 instructions a turn
  local s = 0
  for i = 1, n do s = s + i % 7 end
  return s
end

local function nested(depth, n, ...)
  if depth == 0 then return spin(n), select("#", ...), ... end
  local a, b, c, d = nested(depth - 1, n, depth, ...)
  return a + 1, b, c, d
end
print(nested(20, 1500000, "x", nil))

local co = coroutine.wrap(function (n)
  local total = 0
  for round = 1, 4 do
    total = total + spin(n)
    n = coroutine.yield(total, round)
  end
  return "done", total
end)
print(co(400000)); print(co(800000)); print(co(1200000)); print(co(300000)); print(co())

local ok, err = pcall(function ()
  local t = setmetatable({}, {__index = function (_, k) return spin(k) end})
  local v = t[900000] + t[700000]
  error({value = v})
end)
print(ok, type(err), err.value)

local function tail(n, acc)
  if n == 0 then return acc end
  return tail(n - 1, acc + spin(2000))
end
print(tail(1500, 0))

local r = {}
for i = 1, 5 do r[#r + 1] = select(2, xpcall(spin, debug.traceback, 600000 * i)) end
print(table.concat(r, " "))
print "OK"

-- Yields across pcall, error in coroutines, yield in metamethods, and the C-call boundary.
print("testing yield across pcall")
local co = coroutine.create(function()
  local ok, v = pcall(function()
    local got = coroutine.yield("inside pcall")
    error("after yield: " .. got, 0)
  end)
  coroutine.yield(ok, v)
  local ok2, v2 = xpcall(function() return coroutine.yield("inside xpcall") + 1 end,
                         function(m) return "handled " .. m end)
  return ok2, v2
end)
print(coroutine.resume(co))
print(coroutine.resume(co, "x"))
print(coroutine.resume(co))
print(coroutine.resume(co, 41))
print(coroutine.status(co))
local lazy = setmetatable({}, {__index = function(_, k) return coroutine.yield("need " .. k) end})
local c2 = coroutine.wrap(function() return "value is " .. lazy.answer end)
print(c2())
print(c2(42))
local sorter = coroutine.create(function()
  local t = {3, 1, 2}
  table.sort(t, function(a, b) coroutine.yield() return a < b end)
end)
print(coroutine.resume(sorter))
local c3 = coroutine.wrap(function()
  local t = {}
  for i = 1, 3 do
    local ok, e = pcall(function()
      coroutine.yield(i)
      if i == 2 then error("two", 0) end
    end)
    t[#t + 1] = tostring(ok) .. ":" .. tostring(e)
  end
  return table.concat(t, " ")
end)
print(c3(), c3(), c3(), c3())
local c4 = coroutine.wrap(function() error("wrapped error") end)
print(pcall(c4))
local c5 = coroutine.wrap(function() local x = nil; return x.field end)
print(pcall(c5))
print("OK")

-- To-be-closed variables: order, break/return/goto, errors in __close, coroutines.
local function closer(name)
  return setmetatable({}, {__close = function(_, err) print("close", name, err) end})
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local n <close> = nil
  local f <close> = false
  print("in block")
end
for i = 1, 3 do
  local x <close> = closer("loop " .. i)
  if i == 2 then break end
end
local function ret()
  local r <close> = closer("ret")
  return "returned"
end
print(ret())
print(pcall(function()
  local x <close> = closer("on error")
  error("body fails")
end))
print(pcall(function()
  local x <close> = setmetatable({}, {__close = function() error("close fails") end})
  local y <close> = closer("y sees")
end))
print(pcall(function()
  local x <close> = setmetatable({}, {__close = function(_, e) error("second: " .. tostring(e), 0) end})
  error("first", 0)
end))
print(pcall(function() local bad <close> = {} end))
print(pcall(function() local bad <close> = 42 end))
local co = coroutine.wrap(function()
  local c <close> = closer("coroutine")
  coroutine.yield("yielded")
  return "finished"
end)
print(co())
print(co())
local co2 = coroutine.create(function()
  local c <close> = closer("closed by coroutine.close")
  coroutine.yield()
end)
coroutine.resume(co2)
print(coroutine.close(co2), coroutine.status(co2))
local co3 = coroutine.create(function()
  local c <close> = setmetatable({}, {__close = function() error("close error in co", 0) end})
  coroutine.yield()
end)
coroutine.resume(co3)
print(coroutine.close(co3))
local co4 = coroutine.create(function()
  local c <close> = closer("after error in co")
  error("co error", 0)
end)
print(coroutine.resume(co4))
print(coroutine.close(co4))
do
  local i = 0
  ::again::
  do
    local g <close> = closer("goto " .. i)
    i = i + 1
    if i < 3 then goto again end
  end
end
for k, v in (function() return next, {1}, nil, closer("generic for") end)() do print("iter", k, v) end

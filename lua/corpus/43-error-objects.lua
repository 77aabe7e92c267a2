-- Error objects that escape: numbers, nil, __tostring, levels, coroutines, other chunks, __close.
error(42)
--- step
error()
--- step
error(setmetatable({}, {__tostring = function() return "custom message from __tostring" end}))
--- step
error("no position added", 0)
--- step
local function check(v)
  if type(v) ~= "number" then
    error("expected a number, got " .. type(v), 2)
  end
end
check(1)
check("x")
--- step
error("level 2 from the chunk names no line", 2)
--- step
error(true)
--- step
error(1.5)
--- step
local wrapped = coroutine.wrap(function() error("inside the coroutine") end)
wrapped()
--- step
load("error('from another chunk')", "=other")()
--- step
print("closing")
local res <close> = setmetatable({}, {__close = function() error("error in __close", 0) end})
print("body done")
--- step
local obj = setmetatable({}, {__tostring = function() return 99 end})
error(obj)
--- step
print("a missing function on the last line")
nofunc()

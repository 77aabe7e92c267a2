-- xpcall with debug.traceback as message handler: the whole traceback text.
local function deep(n)
  if n == 0 then error("at the bottom") end
  return (deep(n - 1))
end
local function run() deep(3) end
print(xpcall(run, debug.traceback))
print(xpcall(function() local t = nil; return t.x end, debug.traceback))
local ok, e = xpcall(error, debug.traceback, {})
print(ok, type(e))
local ok, tb = xpcall(run, function(m) return debug.traceback("handled: " .. m, 2) end)
print(ok, tb)

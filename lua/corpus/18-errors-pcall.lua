-- error with strings and tables, levels, pcall/xpcall results, assert.
print("testing error handling")
local function fails(kind)
  if kind == "string" then error("plain message") end
  if kind == "level0" then error("no position", 0) end
  if kind == "level2" then error("blame the caller", 2) end
  if kind == "table" then error({code = 404, reason = "missing"}) end
  if kind == "number" then error(3.5) end
  if kind == "nil" then error() end
  return "no error"
end
print(pcall(fails, "string"))
print(pcall(fails, "level0"))
print(pcall(fails, "level2"))
local ok, e = pcall(fails, "table")
print(ok, type(e), e.code, e.reason)
print(pcall(fails, "number"))
print(pcall(fails, "nil"))
print(pcall(fails, "none"))
print(select("#", pcall(error)))
print(xpcall(fails, function(m) return "handled: " .. m end, "string"))
print(xpcall(fails, function(m) return type(m), m.code end, "table"))
print(xpcall(function(...) return select("#", ...), ... end, print, "a", nil))
print(pcall(pcall, error, "nested"))
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert"))
print(select(2, pcall(assert, false, {1}))[1])
print(select("#", assert(1, 2, 3)), assert("v", "ignored"))
print(pcall(error, setmetatable({}, {__tostring = function() return "tostring'd" end})))
local depth = 0
local function nest(n) if n == 0 then error("bottom") end depth = depth + 1 return nest(n - 1) end
print(pcall(nest, 5), depth)
print(xpcall(function() error("in body") end, function(m) error("in handler") end))
print(pcall(xpcall))
print("OK")

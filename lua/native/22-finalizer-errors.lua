-- An error in a finalizer becomes a warning (shown once warnings are on); the others still run.
warn("@on")
local function obj(name, fails)
  return setmetatable({}, {__gc = function()
    print("gc", name)
    if fails then error("failing " .. name) end
  end})
end
local a, b, c = obj("a"), obj("b", true), obj("c")
a, b, c = nil, nil, nil
collectgarbage()
print("collected")
local d = obj("d", true)
d = nil
collectgarbage()
local e = setmetatable({}, {__gc = function() error({}) end})
e = nil
collectgarbage()
print("done")

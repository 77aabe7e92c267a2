-- __gc runs in the reverse order of marking; a collection runs the pending finalizers.
local function obj(name)
  return setmetatable({name = name}, {__gc = function(o) print("gc", o.name) end})
end
local a, b, c = obj("a"), obj("b"), obj("c")
a, b, c = nil, nil, nil
collectgarbage()
print("after first collect")
local keep = {}
for i = 1, 5 do keep[i] = obj("k" .. i) end
keep[2], keep[4] = nil, nil
collectgarbage()
print("after second collect")
-- A metatable that gets __gc after setmetatable does not mark the object.
local mt = {}
local late = setmetatable({}, mt)
mt.__gc = function() print("never printed") end
late = nil
collectgarbage()
-- A finalizer can resurrect its object; it runs once.
local saved
do
  local r = setmetatable({name = "risen"}, {__gc = function(o) print("gc once", o.name) saved = o end})
end
collectgarbage()
print("saved", saved and saved.name)
saved = nil
collectgarbage()
print("end of chunk")

-- Objects still alive when the chunk ends are finalized as lua_close does, newest first;
-- their output follows the chunk's.
local function obj(name)
  return setmetatable({}, {__gc = function() print("closing " .. name) io.write("written by ", name, "\n") end})
end
global_one = obj("global")
local l1 = obj("local 1")
local l2 = obj("local 2")
local t = {obj("in table 1"), obj("in table 2")}
print("chunk ends")

-- expect: ok
-- The upvalues of C functions are hidden: gmatch's iterator (setupvalue on it could crash the
-- VM), _home's pairs iterator, the library functions. upvalueid gives an identity, as in Lua;
-- upvaluejoin refuses them.
_home.t = {1, 2, 3}
local fns = {string.gmatch("a b", "%a"), pairs(_home.t), string.dump, load, print, setmetatable,
             coroutine.wrap(function() end), ext_table.get, next, rawset, debug.sethook}
for _, f in ipairs(fns) do
  for i = 1, 5 do
    assert(debug.getupvalue(f, i) == nil)
    assert(debug.setupvalue(f, i, 42) == nil)
    assert(debug.setupvalue(f, i, {}) == nil)
    local id = debug.upvalueid(f, i)
    assert(id == nil or type(id) == "userdata")
    local ok, e = pcall(debug.upvaluejoin, function() return fns end, 1, f, i)
    assert(not ok and (e:find("Lua function expected") or e:find("invalid upvalue index")))
  end
end
local it = string.gmatch("a b", "%a")
assert(it() == "a" and it() == "b")
return "hidden"

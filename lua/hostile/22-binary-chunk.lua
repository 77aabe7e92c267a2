-- expect: ok
local chunk = "\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64\1"
local f, err = load(chunk)
assert(f == nil and err:find("binary chunk"))
local g, err2 = load(chunk, "x", "b")
assert(g == nil)
return "refused"

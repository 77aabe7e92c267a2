-- expect: error: C stack overflow|stack overflow
local function f(s) return (s:gsub(".", f)) end
return f("abc")

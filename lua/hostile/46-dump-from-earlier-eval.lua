-- expect: ok
-- A genuine dump (stripped) that string.dump returned in an earlier eval of this lua.wasm: it
-- is not one this eval's string.dump returned, so it does not load, from a string or a reader.
local earlier = "\027LuaT\000\025\147\013\010\026\010\004\008\008xV\000\000\000\000\000\000\000\000\000\000\000(w@\001\128\129\129\001\000\004\135\131\000\000\000\011\001\000\001\128\001\000\000D\001\002\002\181\000\002\000\200\000\002\000\199\000\001\000\130\004\137earlier \004\137tostring\129\000\000\000\128\128\128\128\128"
local f, e = load(earlier)
assert(f == nil and e:find("string.dump did not return in this eval"), e)
local given = false
f, e = load(function() if not given then given = true return earlier end end)
assert(f == nil and e:find("string.dump did not return in this eval"), e)
-- The same function dumped now loads.
local now = string.dump(function(a) return 'earlier ' .. tostring(a) end, true)
assert(load(now)(1) == "earlier 1")
return "refused"

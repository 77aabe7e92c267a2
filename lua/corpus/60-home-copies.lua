-- Assigning an external table stores a copy; assigning a key its own table changes nothing.
_home.a = {v = 1, list = {1, 2}}
--- step
_home.a = _home.a
_home.b = _home.a
_home.b.v = "changed in b only"
print(_home.a.v, _home.b.v, rawequal(_home.a, _home.b))
--- step
local snapshot = {}
for k, v in pairs(_home.a) do snapshot[#snapshot + 1] = k end
print(table.concat(snapshot, ","), _home.a.v, _home.b.v, #_home.b.list)
_home.a.list = _home.b.list
_home.b.list[3] = "only in b"
print(#_home.a.list, #_home.b.list)
--- step
local t = _home.a
_home.a = {v = "replaced"}
_home.c = t
print(_home.c.v, _home.a.v)

-- The ext_table library on _home and on new external tables.
print(ext_table.id(_home), ext_table.size(_home))
ext_table.set(_home, "a", 1)
ext_table.set(1, "b", {1, 2, 3})
local t = ext_table.new()
print(ext_table.id(t) < 0, ext_table.size(t))
t.x = "from a new table"
t[1] = "one"
_home.c = t
t.x = "changed after the copy"
print(ext_table.get(_home, "a"), ext_table.get(_home.c, "x"), ext_table.size(1))
print(table.concat(ext_table.keys(_home), ","))
--- step
local child = ext_table.id(_home.b)
print(child > 1, ext_table.get(child, 2), ext_table.size(child))
ext_table.delete(_home, "a")
ext_table.delete(_home, "never there")
print(ext_table.get(1, "a"), ext_table.size(_home), table.concat(ext_table.keys(_home), ","))
print(pcall(ext_table.get, 99999, "x"))
print(pcall(ext_table.size, {}))
print(pcall(ext_table.set, _home, true, 1))
--- step
print(ext_table.size(_home.b), ext_table.get(_home.c, 1))
local keys = ext_table.keys(_home.c)
print(#keys, keys[1], keys[2])

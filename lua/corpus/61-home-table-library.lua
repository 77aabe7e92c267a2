-- The table library on tables in _home.
_home.list = {30, 10, 20}
table.insert(_home.list, 40)
table.insert(_home.list, 1, 5)
print(#_home.list, table.concat(_home.list, ","))
--- step
table.sort(_home.list)
print(table.concat(_home.list, ","), table.remove(_home.list), table.remove(_home.list, 1))
for i, v in ipairs(_home.list) do io.write(i, ":", v, " ") end print()
print(table.unpack(_home.list))
--- step
print(#_home.list, rawlen(_home.list), select("#", table.unpack(_home.list)))
_home.list[#_home.list + 1] = "tail"
local copy = table.move(_home.list, 1, #_home.list, 1, {})
print(#copy, copy[#copy])
return _home.list

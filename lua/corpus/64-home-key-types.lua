-- Integer and string keys of _home are distinct: 3 and "3".
_home[3] = "int 3"
_home["3"] = "string 3"
_home[1] = "int 1"
_home[math.maxinteger] = "max"
_home[-1] = "minus one"
_home[0] = "zero"
_home[""] = "empty string key"
local out = {}
for k, v in pairs(_home) do out[#out + 1] = math.type(k) or type(k) end
print(table.concat(out, " "))
--- step
print(_home[3], _home["3"], _home[3.0], _home[1], _home[math.maxinteger], _home[-1], _home[0], _home[""])
print(#_home == 1 or #_home == 3)

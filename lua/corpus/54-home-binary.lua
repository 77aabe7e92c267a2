-- Any bytes in _home values and keys.
_home.bin = "\0\1\2\255"
_home.text = "héllo €"
_home["key\0with zero"] = "zero in the key"
_home["\xff"] = "binary key"
_home.empty = ""
_home.all = (function() local t = {} for i = 0, 255 do t[#t + 1] = string.char(i) end return table.concat(t) end)()
--- step
print(#_home.bin, _home.bin:byte(1, -1))
print(_home.text, #_home.text, utf8.len(_home.text))
print(_home["key\0with zero"], _home["\xff"], #_home.empty, #_home.all, _home.all:byte(256))
return _home.bin, _home["\xff"], _home.text

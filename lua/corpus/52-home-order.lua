-- The order of _home: new keys at the end, overwritten keys stay, deleted and re-added keys move.
_home.a = 1
_home.b = 2
_home.c = 3
_home.d = 4
local keys = {}
for k, v in pairs(_home) do keys[#keys + 1] = k .. "=" .. v end
print(table.concat(keys, " "))
--- step
_home.b = nil
_home.a = "overwritten keeps its place"
_home.e = 5
local keys = {}
for k in pairs(_home) do keys[#keys + 1] = k end
print(table.concat(keys, " "))
--- step
_home.b = "back at the end"
_home.c = nil
_home.c = "deleted and set again in one eval"
local keys = {}
for k in pairs(_home) do keys[#keys + 1] = k end
print(table.concat(keys, " "))
--- step
local seen = {}
local k, v = next(_home)
while k do seen[#seen + 1] = k k, v = next(_home, k) end
print(table.concat(seen, " "), next(_home, "e"))
_home.a = nil
_home.a = nil
_home.z = nil
print(_home.a)

-- rawget, rawset, rawlen and next on _home.
rawset(_home, "r", "via rawset")
_home.n = 1
print(rawget(_home, "r"), rawget(_home, "missing"), rawlen(_home), next(_home))
--- step
_home[1] = "one"
_home[2] = "two"
print(rawlen(_home), #_home, rawget(_home, 1), next(_home, "n"))
local count = 0
for k in next, _home do count = count + 1 end
print(count, getmetatable(_home))
print(pcall(next, _home, "not a key"))

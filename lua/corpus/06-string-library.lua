-- The string library apart from patterns.
print("testing string functions")
local s = "Hello, Lua!"
print(#s, s:len(), s:upper(), s:lower(), s:reverse())
print(s:sub(1, 5), s:sub(-4), s:sub(-4, -2), s:sub(8, 100), s:sub(0), s:sub(5, 2) == "")
print(s:byte(1), s:byte(-1), s:byte(1, 3))
print(string.char(72, 105), string.char())
print(("ab"):rep(3), ("ab"):rep(3, "-"), ("x"):rep(0), ("x"):rep(-1) == "")
print(("a\0b"):len(), #"\u{48}\u{20AC}", "\65\066\x43\z
       D")
print("abc" < "abd", "Z" < "a", "" < "a", "abc" < "ab", "a\0b" < "a\0c")
print(string.format("%s", tostring(12)):rep(2))
print(table.concat({("x"):byte(1, -1)}, ","))
print(("%d items"):format(3))
print(pcall(string.rep))
print(pcall(("x").rep, "x", 1e10))
local long = [[
first line
second line]]
print(long, #long)
print([==[with ]] inside]==])
print("OK")

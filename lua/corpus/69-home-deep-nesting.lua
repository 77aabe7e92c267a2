-- Tables nested 100 levels below _home are stored; one level more is refused (zig/ABI.md §9).
local t = {}
for i = 1, 12 do t = {t} end
_home.twelve = t
print(#_home.twelve, #_home.twelve[1][1][1][1][1][1][1][1][1][1][1])
--- step
local fine = {}
local cur = fine
for i = 1, 99 do cur.next = {} cur = cur.next end
_home.fine = fine
local n, c = 0, _home.fine
while c.next do n = n + 1 c = c.next end
print("stored depth", n)
--- step
local deep = {}
local cur = deep
for i = 1, 101 do cur.next = {} cur = cur.next end
_home.deep = deep

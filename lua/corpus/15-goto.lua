-- goto: continue, nested loops, backward jumps, and its compile-time errors.
print("testing goto")
for i = 1, 5 do
  if i % 2 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then goto done end
    io.write(i, "*", j, " ")
  end
end
::done::
print()
local n = 0
::again::
n = n + 1
if n < 5 then goto again end
print("n", n)
do
  local fs = {}
  local i = 1
  ::top::
  local x = i
  fs[#fs + 1] = function() return x end
  i = i + 1
  if i <= 3 then goto top end
  print(fs[1](), fs[2](), fs[3]())
end
print(load("goto nowhere"))
print(load("do local a ::l:: end goto l"))
print(load("goto f; local x; ::f:: print(x)"))
print(load("::a:: ::a::"))
print(load("for i = 1, 2 do goto out end ::out::") ~= nil)
print("OK")

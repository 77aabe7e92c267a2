-- goto, continue-style loops, and closures capturing fresh loop variables.
local out = {}
for i = 1, 6 do
  if i % 2 == 0 then goto continue end
  out[#out + 1] = i
  ::continue::
end
print(table.concat(out, ","))
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local k = 1
local gs = {}
::top::
do
  local captured = k
  gs[k] = function() captured = captured + 10 return captured end
end
k = k + 1
if k <= 3 then goto top end
print(gs[1](), gs[1](), gs[2](), gs[3]())
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
inc() inc()
print(get())
do
  local i = 1
  ::a:: if i > 3 then goto b end
  io.write(i, " ")
  i = i + 1
  goto a
  ::b::
  print()
end
print(load("goto nowhere"))
print(load("do local x ::l1:: end goto l1"))
print(load("::dup:: ::dup::"))

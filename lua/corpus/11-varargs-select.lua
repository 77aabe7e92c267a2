-- Varargs: select, table.pack, nils in the middle, truncation to one value.
print("testing varargs")
local function count(...) return select("#", ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
print(select(2, "a", "b", "c"), select(-1, "a", "b", "c"), select(-2, "a", "b", "c"))
print(pcall(select, 0, "a"), pcall(select, -5, "a"))
local function pass(...) return ... end
print(pass(1, nil, 3))
print((pass(1, 2, 3)))
print(pass(1, 2), pass(3, 4))
local t = {pass(1, 2), pass(3, 4)}
print(#t, t[1], t[2], t[3])
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...) or 0) end
  return s
end
print(sum(1, 2, nil, 4), sum())
local function tail(first, ...) return ... end
print(tail(1, 2, 3), tail(1))
local function varargs_table(...) local a, b = ... return a, b, ... end
print(varargs_table("x", "y", "z"))
print(string.format("%s-%s", pass("a", "b", "c")))
print("OK")

-- math.random after a fixed math.randomseed draws the same numbers everywhere (xoshiro256**).
print("testing seeded math.random")
math.randomseed(42)
local ints = {}
for i = 1, 8 do ints[i] = math.random(1, 100) end
print(table.concat(ints, " "))
print(math.random(0), math.random(math.mininteger, math.maxinteger))
print(string.format("%.17g %.17g", math.random(), math.random()))
print(math.random(5), math.random(-3, -1), math.random(7, 7))
print(math.randomseed(123, 456))
local a = {}
for i = 1, 5 do a[i] = math.random(1000) end
math.randomseed(123, 456)
local b = {}
for i = 1, 5 do b[i] = math.random(1000) end
print(table.concat(a, ","), table.concat(a, ",") == table.concat(b, ","))
math.randomseed(7)
local deck = {}
for i = 1, 10 do deck[i] = i end
for i = #deck, 2, -1 do
  local j = math.random(i)
  deck[i], deck[j] = deck[j], deck[i]
end
print(table.concat(deck, " "))
math.randomseed(2.0)
print(math.random(1, 6), math.random(1, 6), math.random(1, 6))
print(pcall(math.random, 1, 2, 3))
print(pcall(math.random, 0.5))
print("OK")

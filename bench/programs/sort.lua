-- sort: table.insert, table.sort (default order and with comparators),
-- table.remove, on integers and on records.
-- bench: tiny N = 300
local N = N or 250000

-- Park and Miller's generator in floats: exact in doubles on every engine.
local seed = 42.0
local function rand(m)
  seed = seed * 16807.0 % 2147483647.0
  return math.floor(seed) % m
end

local function hash(a, h)
  local step = #a // 1000 + 1
  for i = 1, #a, step do h = (h * 31 + a[i] % 1000003) % 1000003 end
  return h
end

local ints = {}
for _ = 1, N do table.insert(ints, rand(1000000)) end
table.sort(ints)
for i = 2, #ints do assert(ints[i - 1] <= ints[i]) end
local h = hash(ints, 0)
table.sort(ints, function(a, b) return a > b end)
h = hash(ints, h)
for _ = 1, 100 do table.remove(ints, 1 + rand(#ints)) end
h = hash(ints, h)

local names = {}
for i = 1, N // 2 do
  names[i] = string.char(97 + rand(26), 97 + rand(26), 97 + rand(26)) .. i
end
table.sort(names)
local hs = 0
for i = 1, #names, #names // 100 + 1 do hs = (hs * 31 + names[i]:byte(1) + #names[i]) % 1000003 end

local records = {}
for i = 1, N // 2 do
  table.insert(records, { key = rand(1000), id = i })
end
-- Unique (key, id) pairs: the order is the same whatever the sort's pivots.
table.sort(records, function(a, b)
  if a.key ~= b.key then return a.key < b.key end
  return a.id < b.id
end)
local hr = 0
for i = 1, #records, #records // 100 + 1 do hr = (hr * 31 + records[i].id) % 1000003 end

print("sort", N, #ints, h, hs, hr)

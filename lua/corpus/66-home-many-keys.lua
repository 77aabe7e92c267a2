-- Hundreds of keys: sums, deletes, and the order of what remains.
for i = 1, 300 do _home["key" .. i] = i end
_home.nums = {}
for i = 1, 300 do _home.nums[i] = i * i end
print(#_home.nums)
--- step
local sum, n = 0, 0
for k, v in pairs(_home) do if type(v) == "number" then sum = sum + v n = n + 1 end end
print(n, sum, _home.nums[300])
for i = 2, 300, 2 do _home["key" .. i] = nil end
for i = 1, 300, 3 do _home.nums[i] = nil end
--- step
local n = 0
for k in pairs(_home) do n = n + 1 end
local m = 0
for k in pairs(_home.nums) do m = m + 1 end
print(n, m, _home.key1, _home.key2, _home.nums[1], _home.nums[2])
local first = {}
for k in pairs(_home) do first[#first + 1] = k if #first == 5 then break end end
print(table.concat(first, " "))

-- table.sort on larger inputs: numbers from a fixed LCG, records by several fields, errors.
print("testing table.sort at scale")
local state = 12345
local function lcg() state = (state * 1103515245 + 12345) % 2147483648 return state end
local nums = {}
for i = 1, 500 do nums[i] = lcg() % 1000 end
table.sort(nums)
local sorted = true
for i = 2, #nums do if nums[i - 1] > nums[i] then sorted = false end end
print(sorted, nums[1], nums[250], nums[500])
local recs = {}
for i = 1, 60 do recs[i] = {group = lcg() % 4, id = i} end
table.sort(recs, function(a, b)
  if a.group ~= b.group then return a.group < b.group end
  return a.id > b.id
end)
local out = {}
for i = 1, 12 do out[i] = recs[i].group .. ":" .. recs[i].id end
print(table.concat(out, " "))
local floats = {}
for i = 1, 100 do floats[i] = (lcg() % 2001 - 1000) / 8 end
table.sort(floats, function(a, b) return a > b end)
print(floats[1], floats[50], floats[100])
local strs = {}
for i = 1, 50 do strs[i] = string.char(97 + lcg() % 26, 97 + lcg() % 26) end
table.sort(strs)
print(strs[1], strs[25], strs[50])
local calls = 0
local t = {5, 4, 3, 2, 1, 6, 7, 8, 9, 10}
table.sort(t, function(a, b) calls = calls + 1 return a < b end)
print(table.concat(t, " "), calls)
print(pcall(table.sort, {1, 2, 3}, function(a, b) return true end))
print(pcall(table.sort, {1, nil, 3}))
print(pcall(table.sort, {1, 2}, 3))
print("OK")

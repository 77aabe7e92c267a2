-- Numeric for loops: integer and float loops, steps, bounds at the integer limits.
print("testing numeric for")
local function w(...) for i = 1, select("#", ...) do io.write(tostring((select(i, ...)))) end end
for i = 1, 3 do w(i, math.type(i), " ") end print()
for i = 1.0, 3 do w(i, " ") end print()
for i = 1, 2, 0.5 do w(i, " ") end print()
for i = 10, 1, -3 do w(i, " ") end print()
for i = 3, 1 do w("never") end print("empty")
for i = 0.1, 0.5, 0.1 do w(string.format("%.1f ", i)) end print()
for i = math.maxinteger - 1, math.maxinteger do w(i, " ") end print()
for i = math.mininteger, math.mininteger + 2 do w(i, " ") end print()
for i = 1, math.huge do if i > 3 then break end w(i, " ") end print()
for i = 5, -math.huge, -2 do if i < 0 then break end w(i, " ") end print()
for i = 1, 3.7 do w(i, " ") end print()
for i = -1, -3.5, -1 do w(i, " ") end print()
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = "1", 2 do end end))
print(pcall(function() for i = 1, {} do end end))
local n = 0
for i = 1, 3 do local i = i * 2 n = n + i end
print(n)
local t = {}
for i = 1, 3 do t[i] = i; i = 10 end
print(table.concat(t, ","))
local words = {"a", "b", "c", [5] = "e"}
for k, v in ipairs(words) do w(k, v, " ") end print()
print("OK")

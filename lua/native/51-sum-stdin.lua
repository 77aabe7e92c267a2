-- A typical script: read a count, then that many numbers, then a name; print a report.
local n = io.read("n")
local total, values = 0, {}
for i = 1, n do
  local v = io.read("n")
  values[#values + 1] = v
  total = total + v
end
io.read("l")
local name = io.read("l")
print(string.format("%s: %d values, total %g, mean %.3f", name, n, total, total / n))
table.sort(values)
print("sorted: " .. table.concat(values, " "))
print("max", math.max(table.unpack(values)), "min", math.min(table.unpack(values)))
for line in io.lines() do io.write("[", line:upper(), "]\n") end

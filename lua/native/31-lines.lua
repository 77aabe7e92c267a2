-- io.lines() without a file name, and io.stdin:lines with formats.
local n = 0
for line in io.lines() do
  n = n + 1
  print(n, "[" .. line .. "]")
  if line == "stop" then break end
end
for a, b in io.stdin:lines("n", "n") do
  print("pair", a, b)
  if a == 5 then break end
end
for l in io.stdin:lines("L") do
  io.write("L:", l)
  if l == "end of L\n" then break end
end
for c in io.stdin:lines(3) do
  print("chunk", c)
  if c == "ghi" then break end
end
for l in io.lines(nil, "l") do print("rest", l) end
local bad = io.lines(nil, "x")
print(pcall(bad))

-- io.read("n"): integers, floats, hex, signs, exponents, and where a bad numeral stops it.
local function show(...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    out[#out + 1] = tostring(v) .. (math.type(v) and (":" .. math.type(v)) or "")
  end
  print(table.concat(out, " "))
end
for i = 1, 14 do show(io.read("n")) end
print("rest of line", io.read("l"))
show(io.read("n"))
print("after garbage", io.read("l"))
show(io.read("n", "n"))
print(io.read("l"))
show(io.read("n"))
print(io.read("L"))
show(io.read("n"))
print(io.read("a"))
show(io.read("n"))

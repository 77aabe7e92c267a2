-- strings: building and formatting strings (string.format, `..`, table.concat,
-- string.rep, sub, upper, reverse, byte, tostring).
-- bench: tiny N = 200
local N = N or 400000

-- A polynomial hash kept below 2^31: fengari's integers are 32-bit.
local function hash(s, h)
  for i = 1, #s, 3 do h = (h * 31 + s:byte(i)) % 1000003 end
  return h
end

local h, total = 0, 0
local parts = {}
for i = 1, N do
  parts[#parts + 1] = string.format("%d:%05d|%-6s|%x|%.3f", i, i % 99991, "k" .. (i % 97), i, i / 7)
  if #parts == 500 then
    local chunk = table.concat(parts, ",")
    h = hash(chunk, h)
    total = total + #chunk
    parts = {}
  end
  if i % 50 == 0 then
    local acc = ""
    for j = 1, 40 do acc = acc .. tostring(j * i % 1000) .. ";" end
    local s = acc:sub(5, 60):upper():reverse() .. string.rep("ab", i % 13)
    h = hash(s, h)
    total = total + #acc + #s
  end
end
local chunk = table.concat(parts, ",")
h = hash(chunk, h)
total = total + #chunk

print("strings", N, total, h)

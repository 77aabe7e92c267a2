-- Strings order byte by byte, as unsigned bytes, in the "C" locale the
-- sandbox has: embedded zeros, bytes above 127, prefixes and long strings
-- that differ only at the end, through <, <=, == and table.sort.

print("testing string order")

local x = ("x"):rep(5000)
local s = {
  "", "\0", "\0\0", "a", "a\0", "a\0a", "a\0b", "ab", "abc", "abd", "b", "B",
  "\127", "\128", "\255", "\255\0", "z\255", "Z", "0", " ",
  x, x .. "\0", x:sub(2) .. "y", x .. "x", x .. "\0\1", x .. "\0\0",
}

-- A long string is shown by its length and its last bytes; a byte that is
-- not a letter or digit by its code.
local function show(v)
  local tail = #v > 8 and "#" .. #v .. ":" or ""
  if #v > 8 then v = v:sub(-3) end
  return tail .. "'" .. v:gsub("[^%w]", function(c) return "\\" .. c:byte() end) .. "'"
end

for i = 1, #s do
  local row = {}
  for j = 1, #s do
    local a, b = s[i], s[j]
    row[j] = a < b and "<" or a == b and "=" or ">"
    assert((a <= b) == not (b < a))
    assert((a == b) == (a <= b and b <= a))
  end
  print(show(s[i]), table.concat(row))
end

local sorted = table.move(s, 1, #s, 1, {})
table.sort(sorted)
local shown = {}
for i, v in ipairs(sorted) do shown[i] = show(v) end
print(table.concat(shown, " "))
table.sort(sorted, function(a, b) return a > b end)
print(show(sorted[1]), show(sorted[#sorted]))

print "OK"

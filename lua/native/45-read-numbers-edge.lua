-- io.read("n") on numerals lua refuses or reads only in part, and what stays unread.
local function step()
  local v = io.read("n")
  print(v, math.type(v), string.format("%q", io.read(3) or "<eof>"))
end
for i = 1, 16 do step() end

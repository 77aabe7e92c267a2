-- Bitwise operators on integers and integral floats.
print("testing bitwise operators")
print(0xF0 & 0xAA, 0xF0 | 0x0F, 0xF0 ~ 0xFF, ~0xF0, 1 << 4, 256 >> 4)
print(2.0 | 1, 3.0 & 1.0, math.type(2.0 | 1), "8" + 0 >> 1)
print(pcall(function() return 2.5 | 1 end))
print(pcall(function() return 2^64 | 0 end))
print(pcall(function() return {} & 1 end))
print(pcall(function() return 1 << "a" end))
print(string.format("%x %x %x", -1 >> 60, 1 << 63, (1 << 63) >> 63))
print(math.mininteger >> 1 == 1 << 62, -1 << 64, 5 >> -2, 5 << -1)
local function popcount(x) local n = 0 while x ~= 0 do n = n + (x & 1) x = x >> 1 end return n end
print(popcount(0), popcount(255), popcount(-1), popcount(math.mininteger))
print(0x7fffffff * 2 & 0xffffffff, 0xDEADBEEF ~ 0xFFFFFFFF)
print("OK")

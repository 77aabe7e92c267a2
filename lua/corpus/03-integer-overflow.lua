-- Integers are 64-bit two's complement and wrap around; shifts are logical.
print("testing integer wraparound")
local max, min = math.maxinteger, math.mininteger
print(max, min)
print(max + 1 == min, min - 1 == max, -min == min)
print(max * 2, min * -1, max * max)
print(min // -1, min % -1)
print(math.abs(min), math.abs(min) == min)
print(1 << 62, 1 << 63, 1 << 64, 1 << -1, -1 >> 1, -1 >> 63, -1 << 70)
print(~0, ~5, 5 ~ 3, 0xF0 & 0x3C, 0xF0 | 0x0F)
print(0xffffffffffffffff, 0x7fffffffffffffff, 0x10000000000000000)
print(9223372036854775807, 9223372036854775808, -9223372036854775808)
print(math.tointeger(2^63), math.tointeger(-2^63), math.tointeger(2^53))
print(string.format("%d %x %X", min, -1, 255))
for i = max - 2, max do io.write(i, " ") end
print()
for i = min + 2, min, -1 do io.write(i, " ") end
print()
local n = 0
for i = 1, 3, max do n = n + 1 end
print("steps", n)
print("OK")

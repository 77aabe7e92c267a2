-- How print and tostring write numbers.
print(1, 1.0, -0.0, 1e15, 1e16, 2^53, 2^63, -2^63, math.maxinteger, math.mininteger)
print(0.1, 1/3, 100 / 2, 3 // 2, 3.0 // 2, 7 % -3, -7 % 3, 7.5 % 2)
print(math.huge, -math.huge, math.pi, 1e308 * 10, 5e-324)
print(255 // 1, 0x10, 0xff.8p0, 1e2, tostring(10 / 2), math.tointeger(3.0))
print(string.format("%d %5.1f %-5s| %x %X %o %e %g %q", 42, 3.14159, "ab", 255, 255, 8, 12345.678, 0.0001, 1/3))
print(#tostring(12345678901234567890), 12345678901234567890)
print(tonumber("0x1p4"), tonumber("  10  "), tonumber("10", 16), tonumber("z", 36), tonumber("1e"), tonumber(""))
print(8 // 0.0, -8 // 0.0, 0/0 ~= 0/0)

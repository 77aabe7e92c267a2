-- io.write writes numbers with "%.14g" (LUA_NUMBER_FMT), not tostring: 1.0 is written "1".
print("testing io.write of numbers")
io.write(1, " ", 1.0, " ", -0.0, " ", 1.5, " ", 1e100, " ", 2^63, " ", math.mininteger, "\n")
io.write(3.0, "|", 100 / 2, "|", 7 // 2.0, "\n")
print(1.0, 100 / 2)
print(pcall(io.write, {}))
print("OK")

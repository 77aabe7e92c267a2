-- Reading an empty standard input: every format at end of file.
print(io.read())
print(io.read("l"))
print(io.read("L"))
print(io.read("n"))
print(io.read(1))
print(io.read(0))
print(string.format("%q", io.read("a")))
print(select("#", io.read("l", "n")))
for line in io.lines() do print("never", line) end
print("lines done")
print(io.stdin:read("a") == "")

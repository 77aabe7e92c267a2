-- Several formats in one call: results in order, and the first failure ends the list.
print(io.read("n", "n", "l"))
print(io.read("l", "L", 2, "n"))
print(select("#", io.read("n", "l", "l")))
print(io.read("l", "l", "l", "l"))
print(select("#", io.read("l", "l")))
print(io.read("a", "a", "l"))

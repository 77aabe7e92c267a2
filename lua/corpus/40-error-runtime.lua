-- A runtime error escapes at a known line; the output before it is kept.
print("before the error")
local config = {name = "demo"}
io.write("partial output ")
local limit = config.limits.max
print("never printed", limit)

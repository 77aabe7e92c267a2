-- No arguments: an empty `...`, `arg` with only the program and the script name.
print(select("#", ...), #arg, arg[1], arg[0], arg[-1])
local n = 0
for k, v in pairs(arg) do n = n + 1 end
print("entries", n)
print((...))

-- The script's arguments: `...`, the global `arg` as `lua f.lua a b` builds it.
print("count", select("#", ...), #arg)
print("arg[0]", arg[0], "arg[-1]", arg[-1], "arg[-2]", arg[-2])
for i = 1, #arg do
  print(i, "[" .. arg[i] .. "]", #arg[i])
end
local a, b, c = ...
print("first three", a, b, c)
print("same as arg", select(2, ...) == arg[2])
print(math.type(#arg), type(arg[1]))

-- `...` belongs to the main chunk; `arg` is an ordinary global table the script may change.
local function inner(...) return select("#", ...) end
print(inner(), inner(...))
local all = table.pack(...)
print(all.n, all[1], all[all.n])
arg[1] = "changed"
print(arg[1], (...))
arg = nil
print(arg, select("#", ...))
print(string.format("%q", table.concat({...}, "|")))

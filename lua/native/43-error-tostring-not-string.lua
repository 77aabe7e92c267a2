-- An error object whose __tostring does not give a string: lua falls back to its type.
local E = setmetatable({}, {__tostring = function() return 42 end})
print(pcall(tostring, E))
print(select("#", pcall(error, E)))
error(E)

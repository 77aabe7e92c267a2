-- Error messages that span lines, are empty, or whose __tostring fails.
print(pcall(error, "line one\nline two"))
print(pcall(error, ""))
local bad = setmetatable({}, {__tostring = function() error("tostring fails") end})
print(pcall(tostring, bad))
print(pcall(print, setmetatable({}, {__tostring = function() return {} end})))
print(select("#", pcall(error, bad)))
error("first line\nsecond line\n\tindented third")

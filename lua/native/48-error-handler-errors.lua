-- Message handlers that fail, and errors raised while an error is handled.
print(xpcall(error, function(m) error("handler fails") end, "original"))
print(xpcall(error, function(m) return m .. " (handled)" end, "original"))
print(xpcall(function() local x = nil; return x.y end, function(m) return "caught: " .. m end))
print(pcall(xpcall))
print(pcall(xpcall, print, nil, "no handler needed"))
local depth = 0
print(select("#", xpcall(error, function(m) depth = depth + 1; return depth end, "x")), depth)

-- A to-be-closed variable of the main chunk is closed when the chunk fails.
local x <close> = setmetatable({}, {__close = function(_, e) print("closing main with", (tostring(e):match("[^\n]*"))) end})
print("start")
local t = nil
print(t.field)

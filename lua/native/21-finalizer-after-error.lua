-- The chunk fails, and the objects still alive are finalized all the same.
local keep = setmetatable({}, {__gc = function() print("finalized after the error") end})
print("running")
error("the chunk fails")

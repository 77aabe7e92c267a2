-- A to-be-closed variable of the main chunk whose __close fails when the chunk ends normally.
local a <close> = setmetatable({}, {__close = function() print("closing a") end})
local b <close> = setmetatable({}, {__close = function() error("closing b fails") end})
print("chunk body done")

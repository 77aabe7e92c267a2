-- The error object's __tostring itself fails while lua reports it.
print("before")
error(setmetatable({}, {__tostring = function() error("tostring fails too") end}))

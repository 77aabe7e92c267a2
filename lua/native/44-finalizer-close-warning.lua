-- A finalizer that fails while the state closes (the chunk has ended): a warning on stderr.
warn("@on")
local last = setmetatable({}, {__gc = function() print("last runs") end})
local failing = setmetatable({}, {__gc = function() error("failing at close") end})
local first = setmetatable({}, {__gc = function() io.stderr:write("first writes to stderr\n") end})
print("end of chunk")

-- expect: timeout
-- `...` of 400000 values copied again and again: one VM instruction copies them all.
local function spin(...)
  local n = 0
  while true do n = n + select("#", ...) end
end
return spin(string.byte(string.rep("a", 400000), 1, -1))

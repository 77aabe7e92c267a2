-- expect: instruction_limit
-- A hook that removes itself and sets itself again, forever, inside the hook.
local function h()
  while true do debug.sethook(); debug.sethook(h, "crl", 1) end
end
debug.sethook(h, "crl", 1)
local x = 0
while true do x = x + 1 end

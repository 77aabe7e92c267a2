-- expect: error: no sandbox function reached
-- The eval's message handler calls the error object's __tostring: the handler's frame and the
-- driver's are on the stack then, and debug.getinfo gives neither function to call.
error(setmetatable({}, {__tostring = function()
  for level = 1, 100 do
    local info = debug.getinfo(level, "Sf")
    if not info then break end
    if info.what == "C" and info.func ~= nil and info.func ~= error then
      return "reached a sandbox function at level " .. level
    end
  end
  return "no sandbox function reached"
end}))

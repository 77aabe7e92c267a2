-- expect: instruction_limit
-- A hook that catches the limit error with pcall, and loops again: Lua runs hooks with hooks
-- off, where the budget's own hook cannot fire; the budget still ends it.
debug.sethook(function()
  for i = 1, 10 do pcall(function() while true do end end) end
  while true do pcall(error, "again") end
end, "", 1000)
while true do end

-- expect: instruction_limit
-- After the budget fired, the script removes every hook and tries to go on.
local ok, e = pcall(function() while true do end end)
debug.sethook()
pcall(debug.sethook)
for i = 1, 100 do pcall(debug.sethook, function() end, "l") pcall(debug.sethook) end
while true do pcall(debug.sethook) end

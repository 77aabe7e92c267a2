-- Line hooks: the lines a loop runs, as the hook sees them.
local lines = {}
local function hook(event, line)
  local info = debug.getinfo(2, "S")
  lines[#lines + 1] = event .. ":" .. line .. ":" .. info.short_src
end
local function loop()
  local s = 0
  for i = 1, 3 do
    s = s + i
  end
  return s
end
debug.sethook(hook, "l")
loop()
debug.sethook()
print(table.concat(lines, "\n"))
lines = {}
debug.sethook(hook, "l")
local t = {} ; for i = 1, 2 do t[i] = i end
if #t == 2 then
  t = nil
end
debug.sethook()
print(table.concat(lines, "\n"))

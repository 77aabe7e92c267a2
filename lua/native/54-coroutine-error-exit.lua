-- An error inside a coroutine that escapes the chunk through coroutine.wrap.
local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i) end
  local t = nil
  return t[1]
end)
print(gen(), gen(), gen())
print(gen())

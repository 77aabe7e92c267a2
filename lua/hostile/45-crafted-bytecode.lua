-- expect: ok
-- Only a chunk string.dump returned in this eval loads, byte for byte; a changed copy, one
-- extended, or one fed piece by piece with a change, is refused; a truncated one is read as
-- far as Lua wrote it and refused as truncated, as in Lua.
local d = string.dump(function(a) return a * 2 end)
assert(load(d)(21) == 42)
local function refused(chunk, why)
  why = why or "binary chunk"
  local f, e = load(chunk)
  assert(f == nil and e:find(why), e)
  local i = 0
  f, e = load(function() i = i + 1; if i == 1 then return chunk:sub(1, 5) elseif i == 2 then return chunk:sub(6) end end)
  assert(f == nil and e:find(why), e)
end
for n = 1, #d - 1 do refused(d:sub(1, n), "truncated") end
refused(d .. "\0")
for pos = 2, #d, 7 do refused(d:sub(1, pos - 1) .. string.char((d:byte(pos) + 1) % 256) .. d:sub(pos + 1)) end
local i = 0
local f = load(function() i = i + 1; return d:sub(i * 3 - 2, i * 3) end)
assert(f(4) == 8)
assert(select(2, load(d, "d", "t")):find("mode is 't'"))
return "refused"

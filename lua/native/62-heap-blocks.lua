-- Blocks of every size the Lua heap serves, grown and shrunk through one
-- another's sizes (zig/src/small_heap.zig serves small blocks, libc the
-- larger ones), keep what they hold: strings of each length, tables grown
-- an element at a time and shrunk again, buffers, coroutine stacks.

print("testing heap blocks")

local strs = {}
for n = 0, 1100 do strs[n] = string.rep(string.char(65 + n % 26), n) end

local t, h = {}, {}
for i = 1, 1500 do
  t[i] = i * 3
  if i % 97 == 0 then collectgarbage("step") end
end
for i = 1, 700 do h["k" .. i] = i end
for i = 1, 700, 2 do h["k" .. i] = nil end
collectgarbage()
for i = 1, 50 do h["n" .. i] = -i end

for i = 1, 1500 do assert(t[i] == i * 3) end
for n = 0, 1100 do
  local v = strs[n]
  assert(#v == n and v == string.rep(string.char(65 + n % 26), n))
end
local count, total = 0, 0
for _, v in pairs(h) do count, total = count + 1, total + v end
print(count, total)

-- The array shrinks at the rehash a new key causes.
for i = 1500, 11, -1 do t[i] = nil end
t.x = 1
collectgarbage()
print(#t, t[10], t.x)

local parts = {}
for i = 1, 300 do parts[i] = tostring(i) end
local joined = table.concat(parts, ",")
print(#joined, joined:sub(1, 20), joined:sub(-20))
local g, n = string.rep("ab", 3000):gsub("a", "xyz")
print(#g, n, g:sub(1, 12))

-- Userdata-like records: tables whose hash part grows past the small sizes.
local records = {}
for i = 1, 200 do
  local r = {}
  for k = 1, i % 40 do r["f" .. k] = k * i end
  records[i] = r
end
collectgarbage()
local sum = 0
for i = 1, 200 do
  for k = 1, i % 40 do sum = sum + records[i]["f" .. k] end
end
print(sum)

-- A coroutine's stack grows for a deep call and shrinks back.
local co = coroutine.wrap(function(depth)
  local function deep(k)
    if k == 0 then return coroutine.yield(1) end
    return deep(k - 1) + 1
  end
  while true do depth = deep(depth) end
end)
print(co(300), co(5), co(150))

print "OK"

-- patterns: Lua patterns over generated text: gmatch, gsub (with strings,
-- tables and functions as replacements), find and match with captures.
-- bench: tiny N = 100
local N = N or 18000

local words = {
  "alpha", "beta", "gamma", "delta", "lua", "wasm", "sandbox", "table",
  "string", "pattern", "coroutine", "closure", "metatable", "integer", "float",
}
local seed = 7.0
local function rand(m)
  seed = seed * 16807.0 % 2147483647.0
  return math.floor(seed) % m
end

-- One line: words, a number, an e-mail address and an ISO date.
local function line(i)
  local t = {}
  for j = 1, 8 do t[j] = words[rand(#words) + 1] end
  t[#t + 1] = tostring(rand(100000))
  t[#t + 1] = words[rand(#words) + 1] .. "@" .. words[rand(#words) + 1] .. ".com"
  t[#t + 1] = string.format("%04d-%02d-%02d", 1990 + i % 30, i % 12 + 1, i % 28 + 1)
  return table.concat(t, " ")
end

local lines = {}
for i = 1, 200 do lines[i] = line(i) end
local text = table.concat(lines, "\n")

local counts, distinct, matched, replaced, h = {}, 0, 0, 0, 0
local upper = { alpha = "ALPHA", lua = "LUA", table = "TABLE" }
for _ = 1, N // 100 do
  for w in text:gmatch("%a+") do
    if not counts[w] then counts[w] = 0; distinct = distinct + 1 end
    counts[w] = counts[w] + 1
  end
  for y, m, d in text:gmatch("(%d%d%d%d)%-(%d%d)%-(%d%d)") do
    matched = matched + 1
    h = (h * 31 + tonumber(y) + tonumber(m) * 12 + tonumber(d)) % 1000003
  end
  local s, n1 = text:gsub("(%w+)@(%w+)%.com", "%2 at %1")
  local s2, n2 = s:gsub("%d+", function(d) return "#" .. #d end)
  local s3, n3 = s2:gsub("%a+", upper)
  replaced = replaced + n1 + n2 + n3
  h = (h * 31 + #s3) % 1000003
  local pos, count = 1, 0
  while true do
    local a, b = text:find("sandbox", pos, true)
    if not a then break end
    count, pos = count + 1, b + 1
  end
  local first = text:match("^(%a+)") or ""
  local tail = text:match("(%S+)$") or ""
  h = (h * 31 + count + #first + #tail) % 1000003
end

local total = 0
for _, n in pairs(counts) do total = total + n end  -- a sum: the traversal order does not matter

print("patterns", N, distinct, total, matched, replaced, h)

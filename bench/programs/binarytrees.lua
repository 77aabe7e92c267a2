-- binarytrees: allocation and the garbage collector, the Computer Language
-- Benchmarks Game's binary-trees (many short-lived trees, one long-lived).
-- bench: tiny N = 6
local N = N or 15

local function bottom_up(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return { bottom_up(depth), bottom_up(depth) }
end

local function check(tree)
  if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
  return 1
end

local min_depth = 4
local max_depth = math.max(min_depth + 2, N)
local stretch = max_depth + 1
local out = { "binarytrees " .. N, "stretch " .. check(bottom_up(stretch)) }
local long_lived = bottom_up(max_depth)
for depth = min_depth, max_depth, 2 do
  local iterations = 1 << (max_depth - depth + min_depth)
  local sum = 0
  for _ = 1, iterations do sum = sum + check(bottom_up(depth)) end
  out[#out + 1] = string.format("%d trees of depth %d check %d", iterations, depth, sum)
end
out[#out + 1] = "long lived check " .. check(long_lived)
print(table.concat(out, "; "))

-- collatz: integer loops (`//`, `%`, comparisons) over Collatz sequences.
-- The starts cycle through 1..100000, so every value stays below 2^31
-- (fengari's integers are 32-bit; the first start to pass 2^31 is 113383).
-- bench: tiny N = 300
local N = N or 400000

local longest, start, steps_total = 0, 0, 0
for k = 1, N do
  local n = (k - 1) % 100000 + 1
  local x, steps = n, 0
  while x ~= 1 do
    if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
    steps = steps + 1
  end
  steps_total = steps_total + steps
  if steps > longest then longest, start = steps, n end
end

print("collatz", N, start, longest, steps_total)

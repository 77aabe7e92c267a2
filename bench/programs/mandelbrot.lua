-- mandelbrot: float loops, counting the points of an N x N grid inside the set.
-- bench: tiny N = 16
local N = N or 1000
local ITER = 50

local inside, iterations = 0, 0
for y = 0, N - 1 do
  local ci = 2.0 * y / N - 1.0
  for x = 0, N - 1 do
    local cr = 2.0 * x / N - 1.5
    local zr, zi, i = 0.0, 0.0, 0
    while i < ITER and zr * zr + zi * zi <= 4.0 do
      zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
      i = i + 1
    end
    iterations = iterations + i
    if i == ITER then inside = inside + 1 end
  end
end

print("mandelbrot", N, inside, iterations)

-- Floor division and modulo round towards minus infinity, for both subtypes.
print("testing // and % with negative operands")
local pairs_ = { {7, 2}, {-7, 2}, {7, -2}, {-7, -2}, {6, -3}, {-6, 3}, {0, -5} }
for _, p in ipairs(pairs_) do
  local a, b = p[1], p[2]
  print(string.format("%3d // %3d = %3d   %3d %% %3d = %3d", a, b, a // b, a, b, a % b))
end
for _, p in ipairs{ {7.5, 2}, {-7.5, 2}, {7.5, -2}, {-7.5, -2}, {5.25, -0.5} } do
  local a, b = p[1], p[2]
  print(a, b, a // b, a % b)
end
print(math.fmod(-7, 2), math.fmod(7, -2), math.fmod(-7.5, 2), math.type(math.fmod(-7, 2)))
print(pcall(math.fmod, 1, 0))
print(math.fmod(1, 0.0) ~= math.fmod(1, 0.0))  -- a nan
print(-0.0 % 1, 0.0 // -1)
print("OK")

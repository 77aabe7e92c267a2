-- Changing and deleting keys of _home while iterating over it.
for i = 1, 6 do _home["k" .. i] = i end
--- step
for k, v in pairs(_home) do
  if v % 2 == 0 then _home[k] = nil else _home[k] = v * 10 end
end
local out = {}
for k, v in pairs(_home) do out[#out + 1] = k .. "=" .. v end
print(table.concat(out, " "))
--- step
_home.k2 = "re-added"
_home.k1 = nil
local out = {}
for k, v in pairs(_home) do out[#out + 1] = k .. "=" .. tostring(v) end
print(table.concat(out, " "))

-- Arithmetic, bitwise, comparison, concatenation, length, call and tostring metamethods.
print("testing metamethods")
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
V.__div = function(a, b) return vec(a.x / b, a.y / b) end
V.__idiv = function(a, b) return vec(a.x // b, a.y // b) end
V.__mod = function(a, b) return vec(a.x % b, a.y % b) end
V.__pow = function(a, n) return vec(a.x ^ n, a.y ^ n) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__band = function(a, b) return "band" end
V.__shl = function(a, b) return "shl " .. tostring(b) end
V.__bnot = function(a) return "bnot" end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x < b.x or (a.x == b.x and a.y < b.y) end
V.__le = function(a, b) return not (b < a) end
V.__len = function(a) return 2 end
V.__concat = function(a, b)
  local function s(v) return type(v) == "table" and tostring(v) or v end
  return s(a) .. s(b)
end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
V.__call = function(self, dx, dy) return vec(self.x + dx, self.y + (dy or 0)) end
V.__name = "Vec"
local a, b = vec(1, 2), vec(3, 4)
print(tostring(a + b), tostring(a - b), a * b, tostring(2 * a), tostring(a * 3))
print(tostring(b / 2), tostring(b // 2), tostring(b % 2), tostring(a ^ 2), tostring(-a))
print(a & 1, 1 & a, a << 3, ~a)
print(a == vec(1, 2), a ~= b, a == b, a < b, b < a, a <= b, b <= a, a > b, a >= vec(1, 2))
print(#a, a .. "!", "v=" .. a, a .. b, 1 .. a)
print(tostring(a(10)), tostring(a(10, 20)))
print(rawequal(a, vec(1, 2)), vec(1, 2) == vec(1, 2))
local plain = {}
print(pcall(function() return plain < plain end))
print(pcall(function() return a < 1 end))
print(pcall(function() return plain + 1 end))
print(pcall(function() return {} .. "x" end))
local onlylt = setmetatable({}, {__lt = function() return true end})
print(pcall(function() return onlylt <= onlylt end))
local eqcount = 0
local E = {__eq = function() eqcount = eqcount + 1 return true end}
local e1, e2 = setmetatable({}, E), setmetatable({}, E)
print(e1 == e2, e1 == e1, e1 ~= e2, eqcount, e1 == 1)
print("OK")

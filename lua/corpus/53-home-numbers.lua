-- Integers and floats keep their subtype in _home, with -0.0, inf and nan; a float key 2.0 is 2.
_home.i = 1
_home.f = 1.0
_home.big = math.maxinteger
_home.small = math.mininteger
_home.neg0 = -0.0
_home.inf = math.huge
_home.ninf = -math.huge
_home.nan = 0/0
_home.third = 1/3
_home[2.0] = "float key 2.0 is the integer 2"
_home[-7] = "negative key"
--- step
for _, k in ipairs{"i", "f", "big", "small", "neg0", "inf", "ninf", "third"} do
  print(k, _home[k], math.type(_home[k]))
end
print(_home.nan ~= _home.nan, 1 / _home.neg0, _home[2], _home[2.0], math.type(next(_home, "third")))
print(_home.big + 1 == _home.small, _home.third * 3)
return _home.i, _home.f, _home.neg0, _home.nan, _home.inf
--- step
_home.i = _home.i + 0.0
_home.f = _home.f // 1 | 0
print(math.type(_home.i), math.type(_home.f))

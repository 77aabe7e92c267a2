-- expect: error: not enough memory|resulting string too large
return string.rep("x", 2^40)

-- expect: error: xxxxxxxxxx
error(string.rep("x", 5e6))

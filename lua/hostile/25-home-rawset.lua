-- expect: ok
rawset(_home, "raw", 1)
return rawget(_home, "raw"), getmetatable(_home)

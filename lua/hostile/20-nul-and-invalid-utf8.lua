-- expect: ok
_home["k\0\255"] = "v\0\254\255"
print("a\0b\255c")
return _home["k\0\255"], #_home["k\0\255"]

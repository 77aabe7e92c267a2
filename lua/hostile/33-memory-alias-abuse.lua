-- expect: ok
Memory = nil
Memory = {}
Memory.x = 1
return rawget(_G, "Memory").x, _home.x

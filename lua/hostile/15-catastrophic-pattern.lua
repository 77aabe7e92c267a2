-- expect: timeout
return string.find(string.rep("a", 5000), string.rep(".-", 30) .. "b")

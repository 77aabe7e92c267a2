-- Memory is _home under its deprecated name, with one notice on stderr per eval.
Memory.a = 1
print(rawequal(Memory, _home), _home.a)
Memory.b = 2
print(Memory.a + Memory.b)
--- step
print("no Memory here, no warning", _home.a, _home.b)
--- step
warn("@off")
print(Memory.a, "the notice is not a warning: it is written with warnings off")
--- step
print(Memory.b)
warn("@on")
warn("a warning of my own")
warn("@off")
warn("not shown")
return Memory.a

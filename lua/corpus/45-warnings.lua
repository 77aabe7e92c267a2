-- Warnings go to stderr, off until warn("@on"), as in lua.
print("testing warnings")
warn("not shown: warnings start off")
warn("@on")
warn("one ", "message ", "in pieces")
warn("@unknown control messages are ignored")
warn("@off")
warn("not shown")
warn("x", "@on")  -- the last piece is a control message when warnings are off
warn("shown again")
print(pcall(warn))
print(pcall(warn, "a", {}))
print("OK")
--- step
-- Every eval starts with warnings off again.
warn("not shown")
io.write("step 2\n")

#!/usr/bin/env lua -- a first line lua skips, after a byte order mark
print("line 2 runs", debug.getinfo(1, "l").currentline)
local t = {}
print(#arg, ...)
return t.x.y

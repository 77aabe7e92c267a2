-- A table removed from _home is still readable in that eval, but not writable.
_home.sub = {x = 1, y = {z = 2}}
--- step
local t = _home.sub
local inner = t.y
_home.sub = nil
print(t.x, inner.z, _home.sub)
print(pcall(function() t.x = 5 end))
print(pcall(function() inner.z = 5 end))
_home.sub = {x = "new"}
print(t.x, _home.sub.x)
--- step
local old = _home.sub
_home.sub = "a string now"
print(old.x, _home.sub)
old.x = "this write fails the eval"
--- step
print(_home.sub.x)

-- An eval that fails (at run time or compile time) leaves _home as it was.
_home.keep = "original"
_home.count = 1
_home.list = {1, 2, 3}
--- step
_home.keep = "changed before the error"
_home.count = _home.count + 1
_home.list[4] = 4
_home.added = true
_home.list = nil
print("writes done, now failing")
error("boom")
--- step
print(_home.keep, _home.count, #_home.list, _home.added)
--- step
_home.keep = "a syntax error never runs"
local = 1
--- step
local ok, err = pcall(function()
  _home.inside_pcall = "kept: the eval succeeds"
  error("caught")
end)
print(ok, err, _home.inside_pcall)
--- step
_home.count = 100
local t = setmetatable({}, {__index = function() error("late failure", 0) end})
return t.x
--- step
print(_home.keep, _home.count, _home.inside_pcall)
return _home.count

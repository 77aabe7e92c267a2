-- What _home refuses: functions, cycles, threads, boolean and float keys; the failed eval keeps nothing.
_home.config = {}
_home.config.f = function() end
--- step
local t = {}
t.self = t
_home.cyclic = t
--- step
_home[true] = 1
--- step
_home[1.5] = "float key"
--- step
_home.co = coroutine.create(print)
--- step
_home.nested = {ok = 1, bad = {fn = print}}
--- step
local ok, err = pcall(function() _home.f = print end)
print(ok, err)
_home.after = "the eval still succeeds"

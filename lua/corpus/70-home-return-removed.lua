-- A table removed from _home can still be read in the same eval, and returned (zig/ABI.md §9).
_home.map = {x = 1}
_home.keep = "k"
_home.other = {y = {2}}
--- step
local t = _home.map
_home.map = nil
return t, _home
--- step
local t = _home.other
_home.other = 5
return {t}

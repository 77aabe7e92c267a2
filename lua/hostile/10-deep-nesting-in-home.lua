-- expect: error: tables nested deeper than 100 levels
local t = {}
for i = 1, 1e5 do t = {t} end
_home.deep = t

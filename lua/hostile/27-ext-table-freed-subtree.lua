-- expect: error: was removed from its table
_home.tree = {sub = {leaf = 1}}
local sub = _home.tree.sub
_home.tree = nil
sub.leaf = 2

-- Nested tables in _home: stored as deep copies, read back as live external tables.
local cfg = {name = "demo", limits = {max = 10, min = 1}, tags = {"a", "b"}}
_home.cfg = cfg
cfg.name = "changed after the copy"
cfg.limits.max = 99
print(_home.cfg.name, _home.cfg.limits.max, #_home.cfg.tags)
return _home.cfg.limits.max
--- step
local live = _home.cfg.limits
live.max = live.max + 5
live.step = 0.5
_home.cfg.tags[3] = "c"
print(_home.cfg.limits.max, _home.cfg.limits.step, table.concat(_home.cfg.tags, ","))
--- step
_home.deep = {a = {b = {c = {d = "bottom"}}}}
print(_home.deep.a.b.c.d)
_home.deep.a.b = {replaced = true}
print(_home.deep.a.b.c, _home.deep.a.b.replaced)
--- step
_home.cfg.limits = nil
_home.cfg.extra = {list = {1, 2, 3}}
print(_home.cfg.limits, #_home.cfg.extra.list)
return _home.cfg

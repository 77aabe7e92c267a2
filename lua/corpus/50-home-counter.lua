-- A counter in _home over several evals.
_home.n = (_home.n or 0) + 1
print("run", _home.n)
return _home.n
--- step
_home.n = (_home.n or 0) + 1
print("run", _home.n)
return _home.n
--- step
_home.n = (_home.n or 0) + 1
_home.history = _home.history or {}
_home.history[#_home.history + 1] = _home.n
print("run", _home.n, #_home.history)
return _home.n
--- step
_home.n = (_home.n or 0) + 1
_home.history[#_home.history + 1] = _home.n
print("run", _home.n, table.concat(_home.history, ","))
return _home.n, math.type(_home.n)

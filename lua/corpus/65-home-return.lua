-- Returning _home and its tables reads them through.
_home.name = "ada"
_home.list = {1, 2.5, "three"}
_home.map = {x = 1}
return _home
--- step
return _home.list, _home.map, _home.missing

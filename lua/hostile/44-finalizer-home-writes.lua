-- expect: ok
-- Finalizers write _home while the script writes it in a loop: a finalizer can run at any
-- allocation, also one inside the external tables' own code; what _home holds at the end
-- is exactly what the writes said.
_home.fin = {}
_home.main = {}
local fin, main = {}, {}
local mt = {__gc = function(o)
  _home.fin[o.i] = o.i * 3
  fin[o.i] = o.i * 3
  _home.fin.last = o.i
  fin.last = o.i
end}
for i = 1, 3000 do
  setmetatable({i = i, pad = {}}, mt)
  _home.main[i] = {i, tostring(i)}
  main[i] = {i, tostring(i)}
  _home.main.s = ("x"):rep(i % 50)
  main.s = ("x"):rep(i % 50)
end
collectgarbage()
local function same(t, mirror)
  local n = 0
  for k, v in pairs(t) do
    n = n + 1
    if type(v) == "table" then assert(v[1] == mirror[k][1] and v[2] == mirror[k][2])
    else assert(v == mirror[k], k) end
  end
  for k in pairs(mirror) do n = n - 1 end
  assert(n == 0)
end
same(_home.fin, fin)
same(_home.main, main)
return "consistent"

-- Weak tables after a full collection; collectgarbage's answers.
print("testing weak tables")
local weak_k = setmetatable({}, {__mode = "k"})
local weak_v = setmetatable({}, {__mode = "v"})
local keep = {}
weak_k[keep] = "kept"
weak_k[{}] = "dropped"
weak_v[1] = keep
weak_v[2] = {}
weak_v[3] = "strings are not collected"
collectgarbage()
collectgarbage()
local nk = 0
for _ in pairs(weak_k) do nk = nk + 1 end
print(nk, weak_k[keep], weak_v[1] == keep, weak_v[2], weak_v[3])
local eph = setmetatable({}, {__mode = "k"})
do
  local k = {}
  eph[k] = {ref = k}
end
collectgarbage()
print(next(eph))
local before = collectgarbage("count")
do local big = {} for i = 1, 10000 do big[i] = {i} end end
collectgarbage()
print(collectgarbage("count") < before + 100, math.type(before))
print(collectgarbage("stop"), collectgarbage("isrunning"), collectgarbage("restart"), collectgarbage("isrunning"))
print("OK")

-- Table keys: floats with integer values are integers, nan and nil are refused, length.
print("testing table keys")
local t = {}
t[1.0] = "one"
t[2^53] = "big"
t["1"] = "string one"
print(t[1], t[1.0], t["1"], t[2^53 | 0], math.type(next(t)))
for k, v in pairs({[3.0] = "x"}) do print(k, math.type(k), v) end
t[1.5] = "float"
print(t[1.5], t[3/2])
print(pcall(function() t[0/0] = 1 end))
print(pcall(function() t[nil] = 1 end))
print(t[nil], t[0/0])
print(pcall(rawset, t, nil, 1))
local s = {}
s[-0.0] = "zero"
print(s[0], s[0.0], math.type(next(s)))
local arr = {}
for i = 1, 10 do arr[i] = i end
print(#arr)
arr[#arr] = nil
print(#arr)
local k1, k2 = {}, {}
local byref = {[k1] = "first", [k2] = "second"}
print(byref[k1], byref[k2], byref[{}])
local f = function() end
byref[f] = "function key"
byref[true] = "bool key"
print(byref[f], byref[true], byref[false])
local count = 0
for _ in pairs(byref) do count = count + 1 end
print(count)
print("OK")

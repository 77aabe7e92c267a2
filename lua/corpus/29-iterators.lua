-- Generic for: stateless and stateful iterators, __pairs, closing values of the loop.
print("testing iterators")
local function iter(t, i)
  i = i + 1
  if t[i] then return i, t[i] end
end
local function my_ipairs(t) return iter, t, 0 end
for i, v in my_ipairs({"a", "b", "c"}) do io.write(i, v, " ") end print()
local function chars(s)
  local i = 0
  return function() i = i + 1 if i <= #s then return s:sub(i, i) end end
end
for c in chars("lua") do io.write("[", c, "]") end print()
local ordered = setmetatable({}, {__pairs = function(t)
  local keys = {"z", "y", "x"}
  local i = 0
  return function() i = i + 1 local k = keys[i] if k then return k, k:upper() end end, t, nil
end})
for k, v in pairs(ordered) do io.write(k, "=", v, " ") end print()
local log = {}
do
  local closer = setmetatable({}, {__close = function() log[#log + 1] = "closed" end})
  for i in function(_, i) i = (i or 0) + 1 if i <= 2 then return i end end, nil, nil, closer do
    log[#log + 1] = "i" .. i
  end
end
print(table.concat(log, " "))
log = {}
for i in function(_, i) i = (i or 0) + 1 return i end, nil, nil,
         setmetatable({}, {__close = function() log[#log + 1] = "closed on break" end}) do
  if i == 3 then break end
end
print(table.concat(log, " "))
local sorted_keys = {}
for k in pairs({banana = 1, apple = 2, cherry = 3}) do sorted_keys[#sorted_keys + 1] = k end
table.sort(sorted_keys)
print(table.concat(sorted_keys, ","))
print(pcall(function() for x in 42 do end end))
print("OK")

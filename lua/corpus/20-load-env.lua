-- load with an environment, a reader function, chunk names, modes and varargs.
print("testing load")
local f = load("return x + y", "sum", "t", {x = 1, y = 2})
print(f())
x = "global x"
print(load("return x")())
print(load("return ...", "varargs")(1, 2, 3))
local parts, i = {"return ", "1 ", "+ ", "41"}, 0
print(load(function() i = i + 1 return parts[i] end)())
print(load("return 1 +"))
print(load("return 1 +", "=mychunk"))
print(load("return 1 +", "@file.lua"))
print(load("syntax error here", "a long chunk name that goes on and on and on and on and on and on"))
print(load("x ="))
print(load("\27Lua", "bin", "t"))
local env = {print = print}
local g = load("y = 5 print(y) return _ENV", "envtest", "t", env)
print(g() == env, env.y, y)
print(pcall(load("local t = nil; return t.x", "=named")))
print(pcall(load("error('from loaded chunk')")))
local function sandboxed(code)
  local e = setmetatable({}, {__index = function(_, k) return "missing " .. k end})
  return load(code, "=sandboxed", "t", e)()
end
print(sandboxed("return foo, bar"))
do
  local _ENV = {tostring = tostring}
  z = 3
  result = tostring(z)
end
print(z, load("return _ENV")() == _G)
print(pcall(load, nil))
print(type(load(function() return nil end)))
print("OK")

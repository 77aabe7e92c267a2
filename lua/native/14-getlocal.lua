-- debug.getlocal / setlocal: named locals, temporaries, varargs, parameters of a function.
local function inspect(...)
  local a, b = 10, "two"
  local level = 1
  local i = 1
  while true do
    local name, value = debug.getlocal(level, i)
    if not name then break end
    if type(value) ~= "function" and type(value) ~= "table" then print("local", i, name, value) else print("local", i, name, type(value)) end
    i = i + 1
  end
  for j = -1, -5, -1 do
    local name, value = debug.getlocal(level, j)
    if not name then print("vararg end", j) break end
    print("vararg", j, name, value)
  end
  print(debug.setlocal(level, 1, 99), a)
  print(debug.setlocal(level, -2, "changed"), select(2, ...))
  print(debug.setlocal(level, 100, 1))
  return a
end
print(inspect("x", "y", "z"))
local function params(p, q, r, ...) local inner end
for i = 1, 5 do print("param", i, debug.getlocal(params, i)) end
print(debug.getlocal(print, 1))
local function outer()
  local here = "outer's"
  local function inner()
    return debug.getlocal(2, 1)
  end
  local name, value = inner()
  return name, value
end
print(outer())
print(pcall(debug.getlocal, 50, 1))
local co = coroutine.create(function(p) local q = p * 2; coroutine.yield(); return q end)
coroutine.resume(co, 21)
print(debug.getlocal(co, 1, 1))
print(debug.getlocal(co, 1, 2))
print(debug.setlocal(co, 1, 2, 5))
print(coroutine.resume(co))
for i = 1, 3 do
  local name = debug.getlocal(1, i)
  print("main", i, name)
end

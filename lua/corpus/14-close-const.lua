-- To-be-closed variables (__close) and <const>.
print("testing <close> and <const>")
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(_, err) log[#log + 1] = name .. ":" .. tostring(err) end})
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <close> = nil
  local d <close> = false
  log[#log + 1] = "body"
end
print(table.concat(log, " "))
log = {}
local ok, err = pcall(function()
  local x <close> = closer("x")
  error("boom", 0)
end)
print(ok, err, table.concat(log, " "))
log = {}
local function early()
  local y <close> = closer("y")
  for i = 1, 10 do
    local z <close> = closer("z" .. i)
    if i == 2 then return "returned" end
  end
end
print(early(), table.concat(log, " "))
log = {}
print(pcall(function()
  local bad <close> = setmetatable({}, {__close = function() error("in close", 0) end})
  local fine <close> = closer("fine")
  return "value"
end))
print(table.concat(log, " "))
print(pcall(function() local nope <close> = {} end))
local K <const> = 42
print(K, load("local k <const> = 1; k = 2"))
print(load("local q <unknown> = 1"))
log = {}
do
  local co = coroutine.wrap(function()
    local w <close> = closer("w")
    coroutine.yield(1)
    return 2
  end)
  print(co(), co(), table.concat(log, " "))
end
print("OK")

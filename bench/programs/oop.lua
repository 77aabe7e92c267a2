-- oop: method calls through metatables (a class, a subclass, operators)
-- and closures (counters, composition, higher-order functions).
-- bench: tiny N = 300
local N = N or 1000000

local Account = {}
Account.__index = Account

function Account.new(id)
  return setmetatable({ id = id, balance = 0, ops = 0 }, Account)
end

function Account:deposit(v)
  self.balance = (self.balance + v) % 1000000
  self.ops = self.ops + 1
end

function Account:withdraw(v)
  if v > self.balance then return false end
  self.balance = self.balance - v
  self.ops = self.ops + 1
  return true
end

local Savings = setmetatable({}, { __index = Account })
Savings.__index = Savings

function Savings.new(id, rate)
  local o = Account.new(id)
  o.rate = rate
  return setmetatable(o, Savings)
end

function Savings:accrue()
  self:deposit(self.balance * self.rate // 1000)
end

local Vec = {}
Vec.__index = Vec
local function vec(x, y) return setmetatable({ x = x, y = y }, Vec) end
Vec.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
Vec.__mul = function(a, k) return vec(a.x * k, a.y * k) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
function Vec:dot(o) return self.x * o.x + self.y * o.y end

local function counter()
  local n = 0
  return function(step) n = n + (step or 1) return n end
end

local function compose(f, g) return function(x) return f(g(x)) end end
local inc = function(x) return x + 1 end
local dbl = function(x) return x * 2 end
local f = compose(inc, compose(dbl, inc))

local accounts = {}
for i = 1, 100 do
  accounts[i] = (i % 3 == 0) and Savings.new(i, i % 7 + 1) or Account.new(i)
end

local c = counter()
local v = vec(0, 0)
local refused = 0
for i = 1, N do
  local a = accounts[i % 100 + 1]
  a:deposit(f(i % 1000))
  if not a:withdraw(c() % 500) then refused = refused + 1 end
  if a.accrue then a:accrue() end
  v = v + vec(i % 10, i % 7) * 2
  if v == vec(0, 0) then refused = refused + 1 end
  if v.x > 100000 then v = vec(v.x % 1000, v:dot(vec(0, 1)) % 1000) end
end

local balance, ops = 0, 0
for i = 1, #accounts do
  balance = (balance + accounts[i].balance) % 1000003
  ops = ops + accounts[i].ops
end

print("oop", N, balance, ops, refused, v.x, v.y, c(0))

-- Classes with metatables: methods, inheritance, super calls, __tostring.
print("testing classes")
local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound)
  return setmetatable({name = name, sound = sound}, Animal)
end
function Animal:speak() return self.name .. " says " .. self.sound end
function Animal:kind() return "animal" end
Animal.__tostring = function(a) return "Animal(" .. a.name .. ")" end

local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
Dog.__tostring = Animal.__tostring
function Dog.new(name)
  local d = Animal.new(name, "woof")
  d.tricks = {}
  return setmetatable(d, Dog)
end
function Dog:learn(trick) self.tricks[#self.tricks + 1] = trick return self end
function Dog:speak() return Animal.speak(self) .. " (" .. #self.tricks .. " tricks)" end

local cat = Animal.new("Tom", "meow")
local rex = Dog.new("Rex"):learn("sit"):learn("roll")
print(cat:speak())
print(rex:speak(), rex:kind(), tostring(rex), tostring(cat))
print(getmetatable(rex) == Dog, getmetatable(Dog).__index == Animal, rex.learn ~= nil, cat.learn)
print(pcall(function() return cat:learn("x") end))
local Stack = {}
Stack.__index = Stack
Stack.__len = function(s) return s.n end
function Stack.new() return setmetatable({n = 0, items = {}}, Stack) end
function Stack:push(...) for i = 1, select("#", ...) do self.n = self.n + 1 self.items[self.n] = (select(i, ...)) end end
function Stack:pop() local v = self.items[self.n] self.items[self.n] = nil self.n = self.n - 1 return v end
local st = Stack.new()
st:push(1, 2, 3)
print(#st, st:pop(), st:pop(), #st)
print("OK")

-- Count hooks: how many times a hook with count n runs over a known amount of work.
local calls = 0
local function hook(event) calls = calls + 1 end
local function work() local s = 0 for i = 1, 10000 do s = s + i end return s end
for _, n in ipairs{1, 7, 100, 1000} do
  calls = 0
  debug.sethook(hook, "", n)
  work()
  debug.sethook()
  print(n, calls)
end
local events = {}
debug.sethook(function(e) events[e] = (events[e] or 0) + 1 end, "", 3)
local x = 0
for i = 1, 30 do x = x + i end
debug.sethook()
print(events.count)
local co = coroutine.create(function() local s = 0 for i = 1, 1000 do s = s + i end return s end)
calls = 0
debug.sethook(co, hook, "", 10)
print(coroutine.resume(co))
print("thread calls", calls)

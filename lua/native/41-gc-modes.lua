-- collectgarbage options that give no addresses or sizes: modes, step, isrunning.
print(collectgarbage("isrunning"))
print(collectgarbage("incremental"))
print(collectgarbage("generational"))
print(collectgarbage("incremental"))
print(collectgarbage("stop"), collectgarbage("isrunning"))
print(collectgarbage("restart"), collectgarbage("isrunning"))
print(collectgarbage(), collectgarbage("collect"))
print(type(collectgarbage("count")), math.type(collectgarbage("step")) == nil)
print(pcall(collectgarbage, "nonsense"))
local weak = setmetatable({}, {__mode = "v"})
weak[1] = {}
weak[2] = "string stays"
collectgarbage()
print(weak[1], weak[2])
local ephemeron = setmetatable({}, {__mode = "k"})
do local key = {} ephemeron[key] = "value" end
collectgarbage()
print(next(ephemeron))

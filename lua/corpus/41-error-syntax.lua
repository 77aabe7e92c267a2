-- Syntax errors: the chunk never runs; each message names the line within its step.
print("a syntax error stops the chunk before it runs")
local ok = true
local x = = 1
--- step
print("abc
--- step
for i = 1 do end
--- step
local function end
--- step
goto missing
--- step
if true then break end
--- step
local s = [[never closed
--- step
return return
--- step
local a <const> = 1; a = 2
--- step
x = 3 +* 4
--- step
local t = {1, 2
print(t)
--- step
print("the next eval runs normally")

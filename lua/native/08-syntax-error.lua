-- A syntax error: the chunk never runs, the message names the file and line.
print("this line never runs")
local x = = 1

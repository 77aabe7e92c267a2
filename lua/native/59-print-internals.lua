-- print converts with luaL_tolstring and writes to the C stdout: it uses neither the global
-- tostring, nor io.write, nor io.stdout, whatever the script does to them.
local old = tostring
tostring = function() return "X" end
print(1, nil, true, 2.5)
tostring = old
print((tostring(setmetatable({}, {__name = "MyType"})):gsub("0x%x+", "ADDR")))
print((tostring(io.stdout):gsub("0x%x+", "ADDR")), (tostring(io.stdin):gsub("0x%x+", "ADDR")))
print(pcall(print, setmetatable({}, {__tostring = function() return 1 end})))
print(pcall(print, setmetatable({}, {__tostring = function() return true end})))
print(select("#", print()))
local write = io.write
io.write = nil
print("print does not use io.write")
io.stdout = nil
print("nor io.stdout")
write("io.write still writes\n")
io.output():write("and so does the default output\n")

-- A runtime error escapes the chunk: the message carries the chunk name and line,
-- and what was written before it stays written.
print("before")
io.stderr:write("to stderr first\n")
local function inner(x)
  error("boom " .. x)
end
local function outer() inner("now") end
outer()
print("never")

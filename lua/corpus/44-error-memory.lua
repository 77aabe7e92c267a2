-- native: skip (the heap cap of memory_bytes_max, zig/ABI.md §3)
print("a caught memory error")
local ok, err = pcall(string.rep, "x", 2^27)
print(ok, err)
local parts = {}
for i = 1, 10 do parts[i] = i end
print(#parts, "still running")
--- step
print("an escaping memory error")
local s = string.rep("x", 2^27)
print("never")
--- step
print("the next eval has its heap back", #string.rep("y", 2^20))

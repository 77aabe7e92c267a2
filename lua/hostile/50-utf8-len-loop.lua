-- expect: timeout
-- utf8.len scans its whole 16 MiB argument in one VM instruction, without allocating.
local s = string.rep("a", 2^24)
local n = 0
while true do n = n + utf8.len(s) end

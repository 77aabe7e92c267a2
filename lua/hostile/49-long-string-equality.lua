-- expect: timeout
-- Two equal 16 MiB strings compared again and again: each comparison is one VM
-- instruction and a 16 MiB memcmp, far more time than instructions.
local a = string.rep("x", 2^24)
local b = string.rep("x", 2^24 - 1) .. "x"
local same = 0
while a == b do same = same + 1 end
return same

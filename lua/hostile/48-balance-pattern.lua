-- expect: timeout
-- '%b()' over a subject that never balances: every start scans to the end, a
-- megabyte a step with no VM instruction (the matcher's steps ask for the deadline).
return string.find(string.rep("(", 2^20), "%b()x")

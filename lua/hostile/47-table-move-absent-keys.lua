-- expect: timeout
-- One table.move over 2^63 absent keys: no VM instruction, no allocation, only the
-- table library's loop (its table accesses ask for the deadline, ABI §7).
return table.move({}, 1, math.maxinteger - 1, 1, {})

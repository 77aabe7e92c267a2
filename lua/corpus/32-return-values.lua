-- What a chunk returns, of every type the typed JSON carries (ABI §10).
print("testing return values")
local seq = {10, 20.5, "thirty"}
local rec = {name = "ada"}
local nested = {list = {1, 2, {3}}, flag = false}
return nil, true, false, 0, -1, math.maxinteger, math.mininteger, 1.5, -0.0, 1/0, -1/0, 0/0,
       "text", "é€", "", seq, rec, nested, {}, {[2] = "two"}, {1, nil, 3}, 2^63, 1e-300, nil

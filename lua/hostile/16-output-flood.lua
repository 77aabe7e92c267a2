-- expect: ok truncated
for i = 1, 1e6 do print("flood flood flood flood flood flood flood") end
return "survived"

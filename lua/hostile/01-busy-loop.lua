-- expect: instruction_limit
while true do end

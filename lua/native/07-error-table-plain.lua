-- A table without __tostring as error object.
local ok, e = pcall(error, {msg = "in a table"})
print(ok, type(e), e.msg)
error({msg = "escapes"})

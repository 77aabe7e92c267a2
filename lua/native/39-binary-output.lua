-- Bytes that are not UTF-8 written to stdout and stderr.
io.write("text then bytes: \255\254\0 end\n")
io.stderr:write("stderr bytes: \200\n")
print("\xe9t\xe9")

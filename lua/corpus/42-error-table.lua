-- An error object that is a table, without __tostring, escapes as its type.
print("about to fail with a table")
error({code = 1, reason = "a table carries no message"})

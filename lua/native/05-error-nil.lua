-- An error whose object is nil: "(error object is a nil value)".
print(pcall(error))
print(pcall(error, nil))
print(select("#", pcall(error)))
error(nil)

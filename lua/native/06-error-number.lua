-- A number as error object: lua reports it as text, without a position.
print(pcall(error, 42))
print(pcall(error, 4.5, 2))
error(42.5)

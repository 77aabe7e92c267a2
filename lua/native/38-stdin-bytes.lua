-- Standard input is bytes: NUL, high bytes, CR LF.
local all = io.read("a")
print(#all)
print((all:gsub(".", function(c) return string.format("%02x ", c:byte()) end)))
print(all:find("\0", 1, true), all:find("\r\n", 1, true))

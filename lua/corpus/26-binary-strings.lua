-- Strings are bytes: escapes, zeros, invalid UTF-8 in output and in return values.
print("testing binary strings")
local b = "\0\1\2\255\254"
print(#b, b:byte(1, -1))
print(("\x41\u{42}\67\z
        D\u{10FFFF}"):byte(1, -1))
print(#"\u{7FFFFFFF}", ("\u{7FFFFFFF}"):byte(1, -1))
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
local s = table.concat(all)
print(#s, s:byte(256), s:sub(66, 70), s:find("\0", 1, true), s:find("%z"))
print(("a\0b\0c"):gsub("%z", "."))
print("invalid utf-8 follows:", "\xff", "\xe2\x82", "ok\xc3")
io.write("surrogate \xed\xa0\x80 overlong \xc0\xaf too big \xf4\x90\x80\x80 end\n")
print("valid: é € 𝄞")
return "\0\1\2\255", "plain", "é", "\xe2\x82\xac", s:sub(128, 130)

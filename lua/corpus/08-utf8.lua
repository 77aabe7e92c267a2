-- The utf8 library, strict and lax.
print("testing utf8")
local s = "héllo wörld €𝄞"
print(#s, utf8.len(s), utf8.char(72, 233, 8364, 0x1D11E), utf8.char())
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
print(utf8.codepoint(s, 1, -1))
print(utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, 0, 3), utf8.offset(s, 100))
print(utf8.len("abc\xffdef"), utf8.len(""), utf8.len("abc", 4), utf8.len("é", -1))
print(pcall(utf8.codepoint, "\xff"))
print(utf8.len("\u{7FFFFFFF}"), utf8.len("\u{7FFFFFFF}", 1, -1, true))
print(utf8.codepoint("\u{7FFFFFFF}", 1, 1, true), pcall(utf8.codepoint, "\u{7FFFFFFF}"))
print(utf8.len("\xed\xa0\x80"), utf8.len("\xc0\x80"))
local n = 0
for _, c in utf8.codes("日本語") do n = n + c end
print(n, utf8.charpattern)
local chars = {}
for ch in string.gmatch("añb€", utf8.charpattern) do chars[#chars + 1] = ch end
print(#chars, table.concat(chars, "|"))
print(pcall(function() for _ in utf8.codes("a\xffb") do end end))
print("OK")

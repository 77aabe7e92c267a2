-- expect: ok
local found = {}
for _, name in ipairs{"io.open", "io.popen", "io.tmpfile", "os.execute",
                      "os.exit", "os.getenv", "os.remove", "os.rename", "os.tmpname", "os.setlocale",
                      "package", "require", "dofile", "loadfile", "debug", "string.dump", "collectgarbage.x"} do
  local v = _G
  for part in name:gmatch("[^.]+") do v = type(v) == "table" and v[part] or nil end
  if v ~= nil and name ~= "collectgarbage.x" then found[#found + 1] = name end
end
return #found, table.concat(found, ",")

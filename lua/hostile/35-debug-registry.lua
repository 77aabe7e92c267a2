-- expect: ok
-- The registry and the sandbox's own C frames are out of the debug library's reach: no
-- getregistry, no `func` for the eval's driver, no locals of a C frame, at any level.
assert(debug.getregistry == nil and debug.debug == nil)
local function walk(thread)
  local c_frames = 0
  for level = 0, 200 do
    local info
    if thread then info = debug.getinfo(thread, level, "Sf") else info = debug.getinfo(level, "Sf") end
    if not info then break end
    if info.what == "C" then
      c_frames = c_frames + 1
      assert(info.func == nil or info.func == debug.getinfo or info.func == coroutine.resume
             or info.func == coroutine.yield or info.func == pcall, "a C function of the sandbox")
      for i = -5, 50 do
        if thread then assert(debug.getlocal(thread, level, i) == nil)
        else
          assert(debug.getlocal(level, i) == nil, "a local of a C frame")
          assert(debug.setlocal(level, i, "changed") == nil, "a local of a C frame")
        end
      end
    end
  end
  return c_frames
end
assert(walk() >= 2)
local co = coroutine.create(function() coroutine.yield(walk()) end)
assert(select(2, coroutine.resume(co)) >= 1)
assert(walk(co) >= 1)
pcall(function() assert(walk() >= 3) end)
return "hidden"

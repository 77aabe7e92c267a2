// The examples menu: small Lua scripts, each showing one thing the sandbox
// does, with the standard input some of them read (input; absent: the Input
// box is left as it is). The first is the page's default script.

export const EXAMPLES = [
  {
    id: "hello",
    title: "Hello, world",
    code: `-- Welcome to the wasm-compute playground: Lua 5.4 in a sandbox.
-- Press Ctrl+Enter (Cmd+Enter on a Mac) or the Run button.

print("Hello from " .. _VERSION .. "!")

-- What a chunk returns is shown below the output, the way Lua shows it.
local langs = {"Lua", "Zig", "WebAssembly"}
print("Built with " .. table.concat(langs, ", "))

return #langs, langs
`,
  },
  {
    id: "counter",
    title: "_home counter",
    code: `-- _home is the one table that survives between runs.
-- Run this a few times and watch the counter in the _home panel.

_home.runs = (_home.runs or 0) + 1
_home.last_run = os.date("!%Y-%m-%d %H:%M:%S UTC")

print(("This script has run %d time%s."):format(_home.runs, _home.runs == 1 and "" or "s"))

-- Integers stay integers and floats stay floats, on both engines:
-- \`/\` always gives a float, so 2 / 2 is stored (and shown) as 1.0.
_home.half = _home.runs / 2

return _home.runs, _home.half
`,
  },
  {
    id: "nested-tables",
    title: "Nested tables in _home",
    code: `-- A table stored in _home is copied in deeply; reading it back gives
-- a live table whose writes go to _home.
-- Try editing a value in the _home panel, then run again.

_home.profile = _home.profile or {
  name = "Ada",
  languages = {"Lua", "C", "Zig"},
  settings = {theme = "dark", font_size = 14},
  visits = {},
}

-- Writes go straight into _home, and the table library works on it too.
local p = _home.profile
p.settings.font_size = p.settings.font_size + 1
table.insert(p.visits, os.date("!%H:%M:%S"))   -- keep the last three visits
if #p.visits > 3 then table.remove(p.visits, 1) end

print("name:      " .. p.name)
print("languages: " .. table.concat(p.languages, ", "))
print("visits:    " .. table.concat(p.visits, ", "))
for key, value in pairs(p.settings) do
  print(("setting    %-10s = %s"):format(key, tostring(value)))
end

return p.settings
`,
  },
  {
    id: "coroutines",
    title: "Coroutines",
    code: `-- A generator built from a coroutine: each resume runs until the next yield.

local function range(from, to, step)
  return coroutine.wrap(function()
    for i = from, to, step or 1 do coroutine.yield(i) end
  end)
end

local squares = {}
for i in range(1, 5) do squares[#squares + 1] = i * i end
print("squares: " .. table.concat(squares, " "))

-- A producer and a consumer passing values back and forth.
local producer = coroutine.create(function(greeting)
  print("producer got: " .. greeting)
  local reply = coroutine.yield("first item")
  print("producer got: " .. reply)
  return "done"
end)

print(coroutine.resume(producer, "start"))
print(coroutine.resume(producer, "thanks"))
print("status now: " .. coroutine.status(producer))

return squares
`,
  },
  {
    id: "pcall",
    title: "Errors and pcall",
    code: `-- pcall runs a function in protected mode: an error becomes a return value.

local function divide(a, b)
  if b == 0 then error("division by zero", 2) end   -- level 2: blame the caller
  return a / b
end

print(pcall(divide, 10, 4))
print(pcall(divide, 1, 0))

-- Any value can be an error object, not only a string.
local ok, err = pcall(error, {code = 404, reason = "not found"})
print(ok, err.code, err.reason)

-- xpcall adds a message handler, which sees the error before the stack unwinds.
local ok2, msg = xpcall(function() local t = nil; return t.field end,
                        function(m) return "handled: " .. m end)
print(ok2, msg)

-- An error nobody catches stops the script and marks its line in the editor.
-- Remove the two dashes on the next line to see it:
-- error("something went wrong")

return "all errors handled"
`,
  },
  {
    id: "patterns",
    title: "String patterns",
    code: `-- Lua patterns: lighter than regular expressions, and often enough.

local log = [[
2024-05-01 12:00:03 INFO  user=ada action=login
2024-05-01 12:04:10 WARN  user=bob action=retry count=3
2024-05-01 12:05:55 ERROR user=ada action=upload size=12MB
]]

-- gmatch walks every match; captures come back as values.
local levels = {}
for date, level, rest in log:gmatch("(%d+%-%d+%-%d+) [%d:]+ (%u+)%s+([^\\n]*)") do
  levels[level] = (levels[level] or 0) + 1
  local user = rest:match("user=(%w+)")
  print(("%s  %-5s %s"):format(date, level, user))
end

-- gsub with a function: turn key=value pairs into a table.
local fields = {}
log:gsub("(%w+)=(%w+)", function(k, v) fields[k] = v end)

-- find with plain = true searches for the text as it is.
print("first ERROR at byte " .. log:find("ERROR", 1, true))

-- %b() matches balanced pairs.
print(("f(a, g(b, c), d) + h(x)"):match("%b()"))

return levels, fields
`,
  },
  {
    id: "stdin",
    title: "Reading input",
    code: `-- The Input box under the editor is the script's standard input:
-- io.read and io.lines() read it, as they read a terminal or a pipe.
-- Warnings and io.stderr go to the stderr box, apart from the output.

local total, count = 0, 0
for line in io.lines() do
  local n = tonumber(line)
  if n then
    total, count = total + n, count + 1
  else
    io.stderr:write(("skipped %q: not a number\\n"):format(line))
  end
end
print(("%d numbers, sum %g, mean %g"):format(count, total, count > 0 and total / count or 0))
`,
    input: "3\n4.5\nseven\n10\n",
  },
  {
    id: "limits",
    title: "Sandbox limits",
    code: `-- The sandbox has limits: memory, instructions, output. A runaway
-- script is stopped, and _home keeps the state of the last good run.

local t = {}
local ok, err = pcall(function()
  -- About 1 GB, far over the limit.
  for i = 1, 1e9 do t[i] = ("x"):rep(1024) end
end)
print("allocating 1 GB:", ok, err)
t = nil
collectgarbage()

print(("memory in use now: %.0f KB"):format(collectgarbage("count")))

-- An endless loop is ended by the instruction limit (or by the Stop button,
-- in the browser). Uncomment to try:
-- while true do end

return "still alive"
`,
  },
];

export const DEFAULT_EXAMPLE = EXAMPLES[0];

export function exampleById(id) {
  return EXAMPLES.find((e) => e.id === id) ?? null;
}

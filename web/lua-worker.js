// A Web Worker around one LuaHost, so a script never freezes the page and a
// runaway one can be stopped by terminating the worker (lua-client.js).
// Each run brings `_home` as typed JSON (zig/ABI.md §10) and takes it back,
// and its request: {stdin, args, name, keepGlobals, modules} (lua-host.js `run`).
// A message {load: true, options, module} only makes the host, and answers
// {loaded: true} (or {loaded: false, failure}); its module, lua.wasm compiled
// by the page, is kept for every host made here, which then fetches and
// compiles nothing. A message {warmUp: url} (the playground's first script
// sends it with the worker's start, before anything else of the page has
// loaded) compiles lua.wasm from `url` here, keeps that module and warms it
// up at once, without waiting for the page's main thread; a load or a run
// waits for that first. A run whose options differ from the host's (other
// limits, say) makes a new host.
//
// The page's host functions (LuaClient's `functions`) arrive as names only,
// in options.functions. Each becomes a function of an async host (JSPI) that
// posts {id, call, name, args} to the page and waits: the page runs its
// function and answers {reply, bytes} with the reply record it encoded
// (host-functions.js), which goes to the module as it is.

import { compileLua, createLua } from "./lua-host.js";
import { EncodedReply } from "./host-functions.js";

// Run once per worker, in an instance of its own (warmUp) or else in the host
// made for a load message before the worker says it is loaded: V8 compiles a
// wasm function at its first call (lazily, with Liftoff), once per module, so
// the first script would otherwise pay for compiling the parser, the VM and
// the libraries it touches. This touches the common ones (no _home, no math.random: the
// scripts' own state stays as it was).
const WARM_UP = `
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:len() return math.sqrt(self.x * self.x + self.y * self.y) end
local t, words, sum = {}, {}, 0.0
for i = 1, 200 do t[#t + 1] = Point.new(i, i / 2):len() + fib(i % 12) end
table.sort(t, function(a, b) return a > b end)
for _, v in ipairs(t) do sum = sum + v end
for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w:upper():rep(2):sub(2, -2) end
local s = string.format("%d %.3f %s %q", #t, sum, table.concat(words, ","), tostring(nil)):gsub("%s+", " ")
local ok, err = pcall(error, {code = 1})
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
print(s, ok, type(err), gen() + gen(), select("#", 1, 2), next({}), #tostring(12.5) // 1)
`;

let host = null;
let hostOptions = null; // the options `host` was made with, as JSON
let module = null; // lua.wasm as the page or warmUp compiled it, or null: options.wasm is fetched
let warmed = false; // WARM_UP has run in this worker
let warming = null; // the warm-up (a Promise) once a warmUp message asked for it
let runId = 0; // the run under way, whose calls go to the page
let nextCall = 1;
const calls = new Map(); // call number -> the resolve of its Promise

async function warmUp(wasm) {
  try {
    module = await compileLua(wasm);
    (await createLua({ wasm: module })).run(WARM_UP);
    warmed = true;
  } catch {
    // Nothing to say here: the load that follows makes a host and reports its failure.
  }
}

function pageFunction(name) {
  return (...args) => new Promise((resolve) => {
    const call = nextCall++;
    calls.set(call, resolve);
    self.postMessage({ id: runId, call, name, args });
  });
}

self.onmessage = async ({ data }) => {
  if ("reply" in data) {
    const resolve = calls.get(data.reply);
    calls.delete(data.reply);
    resolve?.(new EncodedReply(data.bytes));
    return;
  }
  if ("warmUp" in data) {
    warming = warmUp(data.warmUp);
    return;
  }
  await warming;
  const { id, code, home, options, request } = data;
  if (data.module) module = data.module;
  try {
    const wanted = JSON.stringify(options);
    const made = host === null || hostOptions !== wanted;
    if (made) {
      const names = options.functions ?? [];
      const functions = Object.fromEntries(names.map((name) => [name, pageFunction(name)]));
      host = await createLua({ ...options, wasm: module ?? options.wasm, functions, async: names.length > 0 });
      hostOptions = wanted;
    }
    if (data.load) {
      if (made && !warmed) {
        await host.runAsync(WARM_UP);
        warmed = true;
      }
      self.postMessage({ loaded: true });
      return;
    }
    // Run from a microtask, not the event handler itself: with an inspector
    // attached, Chromium makes every exception thrown under an event handler
    // (each Lua error and coroutine yield is a wasm throw) ~10x dearer.
    await null;
    runId = id;
    host.store.load(home);
    const result = await host.runAsync(code, request);
    self.postMessage({ id, result, home: host.store.dump() });
  } catch (e) {
    host = null; // a trap leaves the instance unusable: make a new one next time
    const failure = String(e?.message ?? e);
    self.postMessage(data.load ? { loaded: false, failure } : { id, failure });
  }
};

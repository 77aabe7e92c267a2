// A Web Worker around one LuaHost, so a script never freezes the page and a
// runaway one can be stopped by terminating the worker (lua-client.js).
// Each run brings `_home` as typed JSON (zig/ABI.md §10) and takes it back,
// and its request: {stdin, args, name, keepGlobals, modules} (lua-host.js `run`).
// A message {load: true, options} only makes the host; a run whose options
// differ from the host's (other limits, say) makes a new one.
//
// The page's host functions (LuaClient's `functions`) arrive as names only,
// in options.functions. Each becomes a function of an async host (JSPI) that
// posts {id, call, name, args} to the page and waits: the page runs its
// function and answers {reply, bytes} with the reply record it encoded
// (host-functions.js), which goes to the module as it is.

import { createLua } from "./lua-host.js";
import { EncodedReply } from "./host-functions.js";

let host = null;
let hostOptions = null; // the options `host` was made with, as JSON
let runId = 0; // the run under way, whose calls go to the page
let nextCall = 1;
const calls = new Map(); // call number -> the resolve of its Promise

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
  const { id, code, home, options, request } = data;
  try {
    const wanted = JSON.stringify(options);
    if (host === null || hostOptions !== wanted) {
      const names = options.functions ?? [];
      const functions = Object.fromEntries(names.map((name) => [name, pageFunction(name)]));
      host = await createLua({ ...options, functions, async: names.length > 0 });
      hostOptions = wanted;
    }
    if (data.load) return;
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
    self.postMessage({ id, failure: String(e?.message ?? e) });
  }
};

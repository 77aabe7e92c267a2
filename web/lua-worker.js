// A Web Worker around one LuaHost, so a script never freezes the page and a
// runaway one can be stopped by terminating the worker (lua-client.js).
// Each run brings `_home` as typed JSON (zig/ABI.md §10) and takes it back,
// and its request: {stdin, args, name, keepGlobals} (lua-host.js `run`).
// A message {load: true, options} only makes the host; a run whose options
// differ from the host's (other limits, say) makes a new one.

import { createLua } from "./lua-host.js";

let host = null;
let hostOptions = null; // the options `host` was made with, as JSON

self.onmessage = async ({ data }) => {
  const { id, code, home, options, request } = data;
  try {
    const wanted = JSON.stringify(options);
    if (host === null || hostOptions !== wanted) {
      host = null;
      host = await createLua(options);
      hostOptions = wanted;
    }
    if (data.load) return;
    // Run from a microtask, not the event handler itself: with an inspector
    // attached, Chromium makes every exception thrown under an event handler
    // (each Lua error and coroutine yield is a wasm throw) ~10x dearer.
    await null;
    host.store.load(home);
    const result = host.run(code, request);
    self.postMessage({ id, result, home: host.store.dump() });
  } catch (e) {
    host = null; // a trap leaves the instance unusable: make a new one next time
    self.postMessage({ id, failure: String(e?.message ?? e) });
  }
};

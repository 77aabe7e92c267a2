// A Web Worker around one LuaHost, so a script never freezes the page and a
// runaway one can be stopped by terminating the worker (lua-client.js).
// Each run brings `_home` as typed JSON (zig/ABI.md §10) and takes it back.

import { createLua } from "./lua-host.js";

let host = null;

self.onmessage = async ({ data }) => {
  const { id, code, home, options } = data;
  try {
    host ??= await createLua(options);
    host.store.load(home);
    const result = host.run(code);
    self.postMessage({ id, result, home: host.store.dump() });
  } catch (e) {
    host = null; // a trap leaves the instance unusable: make a new one next time
    self.postMessage({ id, failure: String(e?.message ?? e) });
  }
};

// Run before the page is first drawn (a classic script in <head>, dist/boot.js):
// sets the saved theme and the embed mode on <html>, so that the page never
// shows itself first in the other theme, or whole when it is embedded.
// src/theme.js and src/playground.js own both afterwards. It also starts
// fetching and compiling lua.wasm, and the worker that runs scripts, which
// the page is ready without no sooner: that work then overlaps the download
// and start of the page's own modules. The compiled module goes to that
// worker at once, which warms it up while the page's modules run; the page
// then makes the worker's host (LuaClient's startedWorker and preload).

import { applyTheme, savedTheme } from "./theme.js";

applyTheme(savedTheme());
if (new URLSearchParams(location.search).has("embed")) document.documentElement.dataset.embed = "";

if (WebAssembly.compileStreaming) {
  const wasm = new URL("../lua.wasm", document.currentScript.src);
  window.wasmComputeBoot = {
    wasm: wasm.href,
    module: WebAssembly.compileStreaming(fetch(wasm)),
    worker: new Worker(new URL("lua-worker.js", document.currentScript.src), { type: "module" }),
  };
  window.wasmComputeBoot.module.then((module) => window.wasmComputeBoot.worker.postMessage({ warmUp: module }))
    .catch(() => {}); // the page reports a failure when it awaits the module
}

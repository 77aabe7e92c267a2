// A Web Worker around the Python host in Pyodide: the server's own Sandbox,
// _bridge, _store and _homejson, over the browser's WebAssembly
// (server/wasm_compute/_engine_pyodide.py). Like lua-worker.js it never
// freezes the page, and terminating it stops a runaway script
// (lua-client.js). Each run brings `_home` as typed JSON (zig/ABI.md §10)
// and takes it back.
//
// Messages in: {id, code, request, home, options}, code and request the run's
// (web/lua-client.js `run`: code, stdin, args and name each a string or a
// Uint8Array, modules a Map of name -> source bytes, sent as text), options carrying the URLs of
// lua.wasm (wasm), Pyodide's folder (pyodide) and the wasm_compute wheel
// (wheel); {load: true, options} only loads. Messages out: {progress} while
// Python loads, {id, started} when the script starts, then
// {id, result, home} or {id, failure}.

import { requestJson } from "./abi.js";
import { compileLua } from "./lua-host.js";

let loading = null; // a Promise of the run function, made at the first message

async function load({ wasm, pyodide: indexURL, wheel }) {
  progress("Loading Python (Pyodide)…");
  // Imported at run time from the served folder, not bundled: Pyodide finds
  // its other files (pyodide.asm.wasm, the standard library) next to it.
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const [py, wheelBytes, module] = await Promise.all([
    loadPyodide({ indexURL, packages: [] }),
    fetchBytes(wheel),
    compileLua(wasm),
  ]);
  progress("Installing wasm_compute…");
  // A plain unpack into site-packages: the wheel is pure Python, and its
  // dependencies (wasmtime, Flask) are for the server only.
  const sitePackages = py.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  py.unpackArchive(wheelBytes, "wheel", { extractDir: sitePackages });
  const runJson = py.pyimport("wasm_compute._engine_pyodide").run_json;
  return (request) => JSON.parse(runJson(module, request));
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.arrayBuffer();
}

function progress(text) { self.postMessage({ progress: text }); }

self.onmessage = async ({ data }) => {
  const { id, code, home, options, request } = data;
  if (data.load) {
    loading ??= load(options);
    loading.catch(() => { loading = null; }); // the next run tries again, and reports
    return;
  }
  let run;
  try {
    loading ??= load(options);
    run = await loading;
  } catch (e) {
    loading = null; // try again at the next run
    self.postMessage({ id, failure: `Python (Pyodide) could not be loaded: ${e?.message ?? e}` });
    return;
  }
  self.postMessage({ id, started: true });
  try {
    const { limits, clock, randomSeed } = options;
    const answer = run(JSON.stringify({ home, options: { limits, clock, randomSeed }, ...requestJson({ code, ...request }) }));
    self.postMessage({ id, ...answer });
  } catch (e) {
    self.postMessage({ id, failure: String(e?.message ?? e) });
  }
};

// The page's side of wasm-compute: runs scripts in a worker (the browser
// engine), on the server (POST /api/run), or in a worker that runs the
// server's Python host in Pyodide (the pyodide engine), and keeps `_home` in
// localStorage, shared with other tabs. Usable by any page:
//
//   import { LuaClient } from "./lua-client.js";
//   const lua = new LuaClient({ wasm: "lua.wasm" });
//   const r = await lua.run("_home.n = (_home.n or 0) + 1 return _home.n");
//   lua.home()   // _home as typed JSON (zig/ABI.md §10)
//
// Host functions registered here run in this page; the script calls them from
// the worker, which waits for each answer through JSPI (lua-worker.js). Only
// the browser engine can call them: the server and Pyodide run elsewhere.

import { bytesOf, errorFor, modulesOf, requestJson, STATUS } from "./abi.js";
import { HostFunctions, encodeResults, encodeError, isThenable } from "./host-functions.js";
import { HAS_JSPI, jspiRequired } from "./lua-host.js";
import { parseSnapshot } from "./home-store.js";
import { mergeHome } from "./home-merge.js";

const EMPTY = Object.freeze({ t: [] });
export const ENGINES = Object.freeze(["browser", "server", "pyodide"]);

export class LuaClient extends EventTarget {
  /**
   * wasm: URL of lua.wasm; storageKey: the localStorage key of `_home`;
   * worker: URL of lua-worker.js; timeoutMs: wall-clock limit of a run in a worker; options: passed to the host
   * (limits, clock, randomSeed); api: URL of the server's run endpoint; pyodideWorker: URL of
   * pyodide-worker.js; pyodide: URL of Pyodide's folder (its lock lists the wasm-compute wheel).
   * functions: name -> function (sync or async) of this page that scripts on the browser
   * engine call (zig/ABI.md §11; needs JSPI, else this throws); modules: name -> Lua source
   * that `require` finds in every run, on every engine (§12). startedWorker: a Worker of
   * lua-worker.js the page started already (the playground's first script starts one while
   * the page loads), taken as the first browser worker.
   */
  constructor({ wasm = "lua.wasm", worker = new URL("./lua-worker.js", import.meta.url), storageKey = "wasm-compute:home",
                timeoutMs = 10000, options = {}, api = "api/run",
                pyodideWorker = new URL("./pyodide-worker.js", import.meta.url), pyodide = "pyodide/",
                functions = {}, modules = {}, startedWorker = null } = {}) {
    super();
    this.functions = new HostFunctions(functions);
    if (this.functions.names.length > 0 && !HAS_JSPI) throw jspiRequired("a page's host functions, called from the worker,");
    this.modules = modulesOf(modules, "modules");
    this.wasm = new URL(wasm, location.href).href;
    this.workerUrls = { browser: worker, pyodide: pyodideWorker };
    this.pyodide = new URL(pyodide, location.href).href;
    this.storageKey = storageKey;
    this.timeoutMs = timeoutMs;
    this.options = options;
    this.api = api;
    this.workers = { browser: null, pyodide: null };
    this.startedWorker = startedWorker;
    // What each worker does before it can run a script (e.g. "Loading Python (Pyodide)…"), or null.
    this.loading = { browser: null, pyodide: null };
    this.pending = null;
    this.nextId = 1;
    this.problem = null; // the last storage problem, shown by the page
    this.saveFailed = false;
    this.unreadable = null; // an unreadable saved _home not yet set aside
    this.savedText = null; // what this tab last read from or wrote to localStorage
    this.state = this.loadSaved();
    addEventListener("storage", (e) => {
      if (e.key !== this.storageKey || this.pending) return;
      this.state = this.loadSaved();
      this.emit("home");
    });
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /** `_home` as typed JSON. */
  home() { return this.state; }

  /** Replaces `_home` (validated first: a bad snapshot changes nothing). */
  setHome(snapshot) {
    parseSnapshot(snapshot);
    this.state = snapshot;
    this.save();
    this.emit("home");
  }

  loadSaved() {
    let text = null;
    try {
      text = localStorage.getItem(this.storageKey);
      this.savedText = text;
      return parseStored(text);
    } catch (e) {
      // The unreadable copy is kept: set aside under another key, or, while
      // there is no room for that, left where it is and not overwritten.
      this.unreadable = text;
      this.reason = e.message;
      this.setAside();
      return EMPTY;
    }
  }

  setAside() {
    const aside = `${this.storageKey}.unreadable`;
    try {
      localStorage.setItem(aside, this.unreadable);
      this.unreadable = null;
      this.report(`The saved _home could not be read (${this.reason}); it was set aside as "${aside}" and _home starts empty.`);
    } catch {
      this.report(`The saved _home could not be read (${this.reason}), and there is no room to set it aside: it stays under "${this.storageKey}" and _home is kept in this page only until you free some space.`);
    }
  }

  save() {
    if (this.unreadable !== null) {
      this.setAside();
      if (this.unreadable !== null) return;
    }
    try {
      const text = JSON.stringify(this.state);
      localStorage.setItem(this.storageKey, text);
      this.savedText = text;
      // Only a failed save is mended by a good one; a load problem stays shown.
      if (this.saveFailed) {
        this.saveFailed = false;
        this.problem = null;
        this.emit("storage-problem", null);
      }
    } catch (e) {
      this.saveFailed = true;
      this.report(`_home could not be saved to localStorage (${e.name}: ${e.message}). It is kept in this page; free some space and run again to save it.`);
    }
  }

  report(message) {
    this.problem = message;
    this.emit("storage-problem", message);
  }

  /** Runs `code` on "browser" (a worker), "server" or "pyodide" (a worker
   *  that loads Python at its first run: meanwhile `loading.pyodide` says
   *  what it does, and "progress" events with {engine, text} follow it); resolves to
   *  {output, outputBase64, stderr, stderrBase64, values, error, stats, home, engine}.
   *  An error named "unreachable" means the server could not be asked (nothing ran).
   *  The request (zig/ABI.md §2.2), the same on every engine: code, stdin (each a string
   *  or a Uint8Array), args (a list of them), name (the chunk's name: messages read
   *  `name:3: boom`; "input" when empty). limits ({instructionsMax, memoryBytesMax, ...},
   *  as the constructor's options.limits) and timeoutMs change the limits of this run
   *  on the browser and pyodide engines; the server engine runs under the server's own.
   *  modules: name -> Lua source for this run, replacing the constructor's of the same name.
   *  A client with functions runs on the browser engine only: another engine throws before
   *  anything runs. */
  async run(code, { engine = "browser", stdin = "", args = [], name = "", limits = null,
                    timeoutMs = this.timeoutMs, modules = null } = {}) {
    if (!ENGINES.includes(engine)) throw new Error(`unknown engine: ${engine}`);
    if (this.pending) throw new Error("a script is already running");
    if (engine !== "browser" && this.functions.names.length > 0) {
      throw new Error(`the ${engine} engine cannot call this page's functions (${this.functions.names.join(", ")}):`
        + " a LuaClient with functions runs on the browser engine");
    }
    const request = { stdin: stdin ?? "", args: [...args], name: name ?? "",
                      modules: new Map([...this.modules, ...modulesOf(modules, "modules")]) };
    // What a host refuses by throwing (lua-host.js, Sandbox.eval) is refused here, the same on every engine.
    [code, request.stdin, request.name, ...request.args].forEach(bytesOf);
    if (bytesOf(request.name).includes(0)) throw new TypeError("name must not contain a NUL character");
    const result = engine === "server"
      ? await this.runOnServer(code, request)
      : await this.runInWorker(code, engine, request, limits, timeoutMs);
    result.engine = engine;
    return result;
  }

  /** Starts the worker of `engine` ("browser" or "pyodide"), if it is not running, and its
   *  loading now. module: lua.wasm compiled already (a WebAssembly.Module), which the
   *  browser worker then uses instead of fetching and compiling its own. The browser
   *  worker says when its host is made with a "loaded" event ({engine, failure}). */
  preload(engine, { module = null } = {}) {
    this.workers[engine] ??= this.startWorker(engine);
    this.workers[engine].postMessage({ load: true, options: this.workerOptions(), ...(module ? { module } : {}) });
  }

  workerOptions(limits = null) {
    const options = { ...this.options, wasm: this.wasm, pyodide: this.pyodide,
                      functions: this.functions.names };
    if (limits) options.limits = { ...this.options.limits, ...limits };
    return options;
  }

  // One handler per worker: progress belongs to no run, the rest to the pending one.
  startWorker(engine) {
    let worker = null;
    if (engine === "browser") [worker, this.startedWorker] = [this.startedWorker, null];
    worker ??= new Worker(this.workerUrls[engine], { type: "module" });
    if (engine === "pyodide") this.progress(engine, "Loading Python (Pyodide)…");
    worker.onmessage = ({ data }) => {
      if ("progress" in data) this.progress(engine, data.progress);
      else if ("loaded" in data) this.emit("loaded", { engine, failure: data.failure ?? null });
      else if ("call" in data) this.answerCall(worker, data);
      else if (this.pending?.worker === worker && data.id === this.pending.id) this.pending.message(data);
    };
    worker.onerror = (e) => {
      if (this.pending?.worker === worker) this.pending.crash(`the worker failed: ${e.message}`);
      else this.emit("loaded", { engine, failure: `the worker failed: ${e.message}` });
    };
    return worker;
  }

  // A host function called by the script in `worker`: run here, answered with
  // its reply record (ABI §11), encoded here so that what cannot cross is
  // refused with the same words as in lua-host.js. A run stopped meanwhile has
  // terminated the worker, and the answer goes nowhere.
  async answerCall(worker, { call, name, args }) {
    let bytes;
    try {
      let result = this.functions.functions[this.functions.names.indexOf(name)](...args);
      if (isThenable(result)) result = await result;
      bytes = encodeResults(result).slice(); // its own buffer, transferred to the worker
    } catch (e) {
      bytes = encodeError(e);
    }
    if (this.pending?.worker === worker) worker.postMessage({ reply: call, bytes }, [bytes.buffer]);
  }

  progress(engine, text) {
    this.loading[engine] = text;
    this.emit("progress", { engine, text });
  }

  // `base`: the `_home` the run started from. Another tab's commit made
  // meanwhile is kept (merged with the run's changes, or taken as it is when
  // the run changed nothing).
  accept(result, home = null, base = null) {
    const latest = this.latest();
    if (result.error === null && home) {
      this.state = mergeHome(base, home, latest);
      this.save();
      this.emit("home");
    } else if (latest !== this.state) {
      this.state = latest;
      this.emit("home");
    }
    result.home = this.state;
    return result;
  }

  /** `_home` as other tabs left it in localStorage, if they committed since this
   *  tab last read or wrote it; else this tab's own. Also this tab's own when its
   *  last save failed or the stored copy is unreadable: then the page holds what
   *  the storage lacks, and reading it back would lose that. */
  latest() {
    if (this.saveFailed || this.unreadable !== null) return this.state;
    try {
      const text = localStorage.getItem(this.storageKey);
      if (text === this.savedText) return this.state;
      const snapshot = parseStored(text);
      this.savedText = text;
      return snapshot;
    } catch {
      return this.state;
    }
  }

  runInWorker(code, engine, request, limits, timeoutMs) {
    const worker = this.workers[engine] ??= this.startWorker(engine);
    const id = this.nextId++;
    return new Promise((resolve) => {
      let timer = 0;
      const base = this.state;
      const pending = { id, engine, worker, started: performance.now() };
      const done = (result) => {
        clearTimeout(timer);
        this.pending = null;
        resolve(result);
      };
      // The wall-clock limit is the script's own: Pyodide's worker says when
      // Python has loaded and the script starts; the browser's starts at once.
      const startClock = () => {
        pending.started = performance.now();
        timer = setTimeout(() => {
          this.killWorker(engine);
          done(this.accept(stopped(STATUS.TIMEOUT, `timeout: the script ran longer than ${timeoutMs} ms`, pending.started)));
        }, timeoutMs);
      };
      pending.done = done;
      pending.crash = (message) => {
        this.killWorker(engine);
        done(this.accept(stopped(STATUS.TRAP, message, pending.started)));
      };
      pending.message = (data) => {
        if (data.started) {
          startClock();
          this.progress(engine, null);
        } else if (data.failure) {
          pending.crash(`the sandbox crashed and was restarted: ${data.failure}`);
        } else done(this.accept(data.result, data.home, base));
      };
      this.pending = pending;
      if (engine === "browser") startClock();
      worker.postMessage({ id, code, request, home: base, options: this.workerOptions(limits) });
    });
  }

  async runOnServer(code, { stdin, args, name, modules }) {
    const started = performance.now();
    const base = this.state;
    this.pending = { id: this.nextId++ };
    try {
      let response;
      try {
        response = await fetch(this.api, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ home: base, ...requestJson({ code, stdin, args, name, modules }) }),
        });
      } catch (e) {
        return this.accept(stopped(STATUS.UNREACHABLE, `the server could not be reached (${e.message})`, started));
      }
      const body = await response.json().catch(() => null);
      if (!response.ok || body === null) {
        const message = body?.error?.message ?? `the server answered ${response.status}`;
        // No such route here (a static copy of the page answers 404, 405 or 501): no server to ask.
        // 413: the code, the input or the whole request over the server's limits, which
        // the other engines' hosts report as INVALID_SIZE (zig/ABI.md §5) with the same words.
        const code = [404, 405, 501].includes(response.status) ? STATUS.UNREACHABLE
          : response.status === 413 ? STATUS.INVALID_SIZE : STATUS.TRAP;
        return this.accept(stopped(code, message, started));
      }
      return this.accept({ output: body.output, outputBase64: body.output_b64 ?? null,
        stderr: body.stderr ?? "", stderrBase64: body.stderr_b64 ?? null, values: body.values,
        error: body.error, stats: body.stats }, body.home, base);
    } finally {
      this.pending = null;
    }
  }

  // A terminated worker is replaced: Pyodide's at once, so that it loads
  // again while nothing waits for it.
  killWorker(engine) {
    this.workers[engine]?.terminate();
    this.workers[engine] = null;
    if (engine === "pyodide") this.preload(engine);
  }

  /** Ends a script running in a worker now; `_home` keeps its last committed state. */
  stop() {
    if (!this.pending?.done) return false;
    const { done, engine, started } = this.pending;
    this.killWorker(engine);
    done(this.accept(stopped(STATUS.TIMEOUT, "stopped: the script was ended by the user", started)));
    return true;
  }
}

// The stored text of `_home` as a snapshot (none stored: empty); throws when it is unreadable.
function parseStored(text) {
  if (text === null) return EMPTY;
  const snapshot = JSON.parse(text);
  parseSnapshot(snapshot);
  return snapshot;
}

function stopped(code, message, started) {
  return {
    output: "", outputBase64: null, stderr: "", stderrBase64: null, values: [], error: errorFor(code, message),
    stats: { instructions: 0, heap_used: 0, heap_peak: 0, elapsed_ms: Math.round(performance.now() - started) },
  };
}

// The page's side of wasm-compute: runs scripts in a worker (the browser
// engine) or on the server (POST /api/run), and keeps `_home` in
// localStorage, shared with other tabs. Usable by any page:
//
//   import { LuaClient } from "./lua-client.js";
//   const lua = new LuaClient({ wasm: "lua.wasm" });
//   const r = await lua.run("_home.n = (_home.n or 0) + 1 return _home.n");
//   lua.home()   // _home as typed JSON (zig/ABI.md §10)

import { errorFor, STATUS } from "./abi.js";
import { parseSnapshot } from "./home-store.js";

const EMPTY = Object.freeze({ t: [] });

export class LuaClient extends EventTarget {
  /**
   * wasm: URL of lua.wasm; storageKey: the localStorage key of `_home`;
   * worker: URL of lua-worker.js; timeoutMs: wall-clock limit of a browser run; options: passed to the host
   * (limits, clock, randomSeed); api: URL of the server's run endpoint.
   */
  constructor({ wasm = "lua.wasm", worker = new URL("./lua-worker.js", import.meta.url), storageKey = "wasm-compute:home",
                timeoutMs = 10000, options = {}, api = "api/run" } = {}) {
    super();
    this.wasm = new URL(wasm, location.href).href;
    this.workerUrl = worker;
    this.storageKey = storageKey;
    this.timeoutMs = timeoutMs;
    this.options = options;
    this.api = api;
    this.worker = null;
    this.pending = null;
    this.nextId = 1;
    this.problem = null; // the last storage problem, shown by the page
    this.saveFailed = false;
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
      if (text === null) return EMPTY;
      const snapshot = JSON.parse(text);
      parseSnapshot(snapshot);
      return snapshot;
    } catch (e) {
      // Keep the unreadable copy under another key rather than overwrite it.
      const aside = `${this.storageKey}.unreadable`;
      try { if (text !== null) localStorage.setItem(aside, text); } catch { /* full: it stays where it is */ }
      this.report(`The saved _home could not be read (${e.message}); it was set aside as "${aside}" and _home starts empty.`);
      return EMPTY;
    }
  }

  save() {
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.state));
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

  /** Runs `code` on "browser" (a worker) or "server"; resolves to
   *  {output, outputBase64, values, error, stats, home, engine}. An error named
   *  "unreachable" means the server could not be asked (nothing ran). */
  async run(code, { engine = "browser" } = {}) {
    if (this.pending) throw new Error("a script is already running");
    const result = engine === "server" ? await this.runOnServer(code) : await this.runInWorker(code);
    result.engine = engine;
    return result;
  }

  accept(result, home) {
    if (result.error === null && home) {
      this.state = home;
      this.save();
      this.emit("home");
    }
    result.home = this.state;
    return result;
  }

  runInWorker(code) {
    this.worker ??= new Worker(this.workerUrl, { type: "module" });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const started = performance.now();
      const done = (result) => {
        clearTimeout(timer);
        this.pending = null;
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.killWorker();
        done(this.accept(stopped(STATUS.TIMEOUT, `timeout: the script ran longer than ${this.timeoutMs} ms`, started)));
      }, this.timeoutMs);
      this.pending = { id, done, started };
      this.worker.onmessage = ({ data }) => {
        if (data.id !== id) return;
        if (data.failure) {
          this.killWorker();
          done(this.accept(stopped(STATUS.TRAP, `the sandbox crashed and was restarted: ${data.failure}`, started)));
        } else done(this.accept(data.result, data.home));
      };
      this.worker.onerror = (e) => {
        this.killWorker();
        done(this.accept(stopped(STATUS.TRAP, `the worker failed: ${e.message}`, started)));
      };
      this.worker.postMessage({ id, code, home: this.state, options: { ...this.options, wasm: this.wasm } });
    });
  }

  async runOnServer(code) {
    const started = performance.now();
    this.pending = { id: this.nextId++ };
    try {
      let response;
      try {
        response = await fetch(this.api, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ code, home: this.state }),
        });
      } catch (e) {
        return this.accept(stopped(STATUS.UNREACHABLE, `the server could not be reached (${e.message})`, started));
      }
      const body = await response.json().catch(() => null);
      if (!response.ok || body === null) {
        const message = body?.error?.message ?? `the server answered ${response.status}`;
        const code = response.status === 404 || response.status === 405 ? STATUS.UNREACHABLE : STATUS.TRAP;
        return this.accept(stopped(code, message, started));
      }
      return this.accept({ output: body.output, outputBase64: body.output_b64, values: body.values,
        error: body.error, stats: body.stats }, body.home);
    } finally {
      this.pending = null;
    }
  }

  killWorker() {
    this.worker?.terminate();
    this.worker = null;
  }

  /** Ends a running browser script now; `_home` keeps its last committed state. */
  stop() {
    if (!this.pending?.done) return false;
    const { done, started } = this.pending;
    this.killWorker();
    done(this.accept(stopped(STATUS.TIMEOUT, "stopped: the script was ended by the user", started)));
    return true;
  }
}

function stopped(code, message, started) {
  return {
    output: "", outputBase64: null, values: [], error: errorFor(code, message),
    stats: { instructions: 0, heap_used: 0, heap_peak: 0, elapsed_ms: Math.round(performance.now() - started) },
  };
}

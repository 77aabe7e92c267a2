// The JavaScript host of lua.wasm: zig/ABI.md implemented section by section,
// as server/wasm_compute/_engine_wasmtime.py, _bridge.py and _sandbox.py do
// in Python. Runs wherever WebAssembly with exception handling runs (a page,
// a worker); it has no DOM and no storage of its own.
//
//   import { createLua } from "./lua-host.js";
//   const lua = await createLua({ wasm: "lua.wasm" });
//   const r = lua.run("_home.n = (_home.n or 0) + 1 return _home.n");
//   r.values  // [{i: "1"}]     typed JSON, zig/ABI.md §10
//   lua.store.dump()           // _home as typed JSON
//
// A new host runs one short eval of its own first (ABI §1.5, for V8's sake),
// which no script sees: every eval starts from fresh globals (ABI §1).
//
// Host functions (ABI §11, host-functions.js) and modules (§12):
//
//   const lua = await createLua({ functions: { price: (sku) => 450n }, modules: { util: "return {}" } });
//   lua.run("return price('tea'), require 'util'", { modules: { other: "return 1" } });
//
// A host function may be `async` (or return a Promise, with createLua's
// `async: true`): the script waits for its value. Such a host is made with
// JSPI: `js_host_call` is a WebAssembly.Suspending import, and `runAsync`
// calls `compute` through WebAssembly.promising. V8 lets a Suspending import
// run only under a promising export, even when it returns no Promise, so an
// async host has no synchronous `run`; a host without async functions keeps
// it (and its `runAsync` is `run` as a Promise).

import {
  STATUS, ROOT_ID, NEW_TABLE, TableRef, LuaTable, LuaObject, Reader, Writer,
  writeKey, writeValue, requestLength, writeRequest, parseRecord, wireValue, textOf, lossyText, errorFor, bytesOf,
  modulesOf, encodeText, NO_BYTES,
} from "./abi.js";
import { HostFunctions, encodeResults, encodeError, isThenable } from "./host-functions.js";
import { HomeStore, NoSuchTable } from "./home-store.js";

/** Whether this JavaScript engine has JSPI (JavaScript Promise Integration),
 *  which async host functions need. */
export const HAS_JSPI = typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";

/** The error of a host made with async functions where JSPI is missing. */
export function jspiRequired(what) {
  return new Error(`${what} need JSPI (WebAssembly.Suspending and WebAssembly.promising), which this JavaScript engine lacks`
    + " (Chromium 137 or later has it)");
}

export const DEFAULT_LIMITS = Object.freeze({
  memoryBytesMax: 64 * 1024 * 1024,
  instructionsMax: 1_000_000_000,
  outputBytesMax: 1024 * 1024,
  codeBytesMax: 1024 * 1024,
  inputBytesMax: 1024 * 1024,
});

// ABI §2.2: bit 0 of the request's flags.
const KEEP_GLOBALS = 1;
// ABI §2: the buffer's room beyond the largest code and input, which the chunk
// name, the arguments and the record's own fields share.
const REQUEST_ROOM_BYTES = 64 * 1024;
// ABI §1.5: the eval that keeps luaV_execute's call of C functions generic in V8.
const PRIME_CALLS = `for i = 1, 300 do
  local _ = type(i), rawlen("x"), select("#"), rawequal(i, i), math.abs(i), tostring(i), math.max(i, 2)
end`;
// What a request without options, arguments or bytes reads as: none of them is
// changed, so one of each serves every eval.
const NO_OPTIONS = Object.freeze({});
const NO_ARGS = Object.freeze([]);

// Modules (a Map of name -> source bytes) as the request record lists them (ABI §2.2).
function moduleList(modules) {
  return [...modules].map(([module, source]) => [encodeText(module), source]);
}

let compiled = new Map();

/** Compiles lua.wasm once per URL (or takes bytes / a WebAssembly.Module). */
export async function compileLua(wasm = "lua.wasm") {
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
  if (!compiled.has(wasm)) {
    const response = fetch(wasm);
    compiled.set(wasm, (WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(response)
      : response.then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b)))
      .catch((e) => { compiled.delete(wasm); throw e; }));
  }
  return compiled.get(wasm);
}

/**
 * options: wasm (URL, bytes or Module), store (a HomeStore), limits
 * ({memoryBytesMax, instructionsMax, outputBytesMax, codeBytesMax, inputBytesMax}),
 * clock (null for the real clock, or fixed Unix seconds), randomSeed (null for a
 * generator that runs on across evals, or an integer: every eval draws the same numbers),
 * functions (an object or Map of name -> function, ABI §11: `log.info` makes the field
 * `info` of the global `log`), modules (an object or Map of name -> Lua source that
 * `require` finds in every eval, ABI §12), async (true: the host is async even when no
 * function is declared `async`, so that one returning a Promise is waited for). An async
 * host needs JSPI (HAS_JSPI): without it createLua throws, saying so.
 */
export async function createLua(options = {}) {
  const module = await compileLua(options.wasm ?? "lua.wasm");
  return new LuaHost(module, options);
}

export class LuaHost {
  constructor(module, { store = new HomeStore(), limits = {}, clock = null, randomSeed = null,
                        functions = {}, modules = {}, async = false } = {}) {
    this.functions = new HostFunctions(functions);
    /** Whether evals run through runAsync only (JSPI; see the top of this file). */
    this.isAsync = Boolean(async) || this.functions.anyAsync;
    if (this.isAsync && !HAS_JSPI) throw jspiRequired("async host functions");
    this.modules = modulesOf(modules, "modules");
    this.moduleList = moduleList(this.modules);
    this.running = false;
    this.store = store;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.clock = clock;
    this.started = performance.now();
    this.active = false; // a transaction of the current eval is open (ABI §6.1)
    this.instance = new WebAssembly.Instance(module, { env: this.imports() });
    const ex = this.instance.exports;
    this.exports = ex;
    ex._initialize(); // ABI §1.1: a WASI reactor
    // ABI §3: the limits record, with the seed of math.random.
    const limitsRecord = new DataView(new ArrayBuffer(40));
    limitsRecord.setBigUint64(0, BigInt(this.limits.memoryBytesMax), true);
    limitsRecord.setBigUint64(8, BigInt(this.limits.instructionsMax), true);
    limitsRecord.setUint32(16, this.limits.outputBytesMax, true);
    limitsRecord.setUint32(20, this.limits.codeBytesMax, true);
    const words = crypto.getRandomValues(new Uint32Array(2));
    const seed = randomSeed !== null
      ? BigInt.asIntN(64, BigInt(randomSeed))
      : (BigInt(words[0] & 0x7fffffff) << 32n) | BigInt(words[1]);
    limitsRecord.setBigInt64(24, seed, true);
    limitsRecord.setUint32(32, randomSeed !== null ? 1 : 0, true);
    limitsRecord.setUint32(36, this.limits.inputBytesMax, true);
    this.view = null;
    this.memory().set(new Uint8Array(limitsRecord.buffer), ex.get_buffer_ptr());
    // ABI §3.1: the functions record right after the limits.
    this.memory().set(this.functions.record, ex.get_buffer_ptr() + limitsRecord.byteLength);
    const status = ex.init(); // ABI §1.2
    if (status !== STATUS.SUCCESS) throw new Error(`lua.wasm init failed with status ${status}${this.functions.initHint()}`);
    this.computeAsync = this.isAsync ? WebAssembly.promising(ex.compute) : null;
    this.buffer = ex.get_buffer_ptr(); // init may move the buffer
    this.bufferSize = ex.get_buffer_size();
    this.primeCalls();
  }

  // ABI §1.5: an eval of the host's own, for V8; its result, even a limit's
  // error, is of no use.
  primeCalls() {
    const length = this.prepare(PRIME_CALLS, NO_OPTIONS, performance.now());
    if (typeof length === "number") this.exports.compute(this.buffer, length);
  }

  // memory.grow detaches the old buffer, and a view of a detached buffer is
  // empty: the views are made again then. (Asking memory.buffer every time
  // would cost a call into the engine's C++ twice an eval.)
  memory() {
    if (this.view === null || this.view.length === 0) {
      const buffer = this.exports.memory.buffer;
      this.view = new Uint8Array(buffer);
      this.words = new DataView(buffer);
    }
    return this.view;
  }

  read(ptr, len) { return this.memory().slice(ptr, ptr + len); }

  // ABI §6: write when it fits, else say how much room it needs.
  answer(bytes, ptr, max) {
    if (bytes.length <= max) this.memory().set(bytes, ptr);
    return bytes.length;
  }

  begin() {
    if (!this.active) {
      this.store.begin();
      this.active = true;
    }
  }

  finish(committed) {
    if (!this.active) return;
    this.active = false;
    if (committed) this.store.commit();
    else this.store.rollback();
  }

  imports() {
    const host = this;
    const key = (ptr, len) => new Reader(host.read(ptr, len)).key();
    const guard = (fn) => (...args) => {
      host.begin();
      try { return fn(...args); } catch (e) { if (e instanceof NoSuchTable) return -1; throw e; }
    };
    return {
      // ABI §6
      js_ext_table_get: guard((tid, kp, kl, vp, vmax) => {
        const w = new Writer();
        writeValue(w, host.store.get(tid, key(kp, kl)));
        return host.answer(w.result(), vp, vmax);
      }),
      js_ext_table_set: guard((tid, kp, kl, vp, vl) => {
        let k, v;
        try {
          k = key(kp, kl);
          v = new Reader(host.read(vp, vl)).value(true);
        } catch { return -2; }
        if (v === NEW_TABLE) return host.store.setNewTable(tid, k);
        if (v === null || v instanceof TableRef || v instanceof LuaTable || v instanceof LuaObject) return -2;
        host.store.set(tid, k, v);
        return 0;
      }),
      js_ext_table_delete: guard((tid, kp, kl) => {
        host.store.delete(tid, key(kp, kl));
        return 0;
      }),
      js_ext_table_size: guard((tid) => host.store.size(tid)),
      js_ext_table_keys: guard((tid, bp, bmax) => {
        const entries = host.store.entries(tid);
        const w = new Writer(16 + entries.length * 16);
        w.u32(entries.length);
        for (const [k, v] of entries) { writeKey(w, k); writeValue(w, v); }
        return host.answer(w.result(), bp, bmax);
      }),
      // ABI §7
      js_clock: (kind) => {
        if (host.clock !== null) return kind === 0 ? host.clock : 0;
        return kind === 0 ? Date.now() / 1000 : (performance.now() - host.started) / 1000;
      },
      // The worker has no deadline of its own: lua-client.js terminates it
      // after timeoutMs, so the import always returns.
      js_deadline: () => {},
      // ABI §11. In an async host the import is Suspending: when it returns a
      // Promise, the module waits in it until the Promise settles.
      js_host_call: this.isAsync ? new WebAssembly.Suspending((...a) => host.hostCall(...a)) : (...a) => host.hostCall(...a),
      js_host_reply: (ticket, ptr, len) => {
        const reply = host.functions.take(ticket, len);
        if (reply === null) return -1;
        host.memory().set(reply, ptr);
        return 0;
      },
    };
  }

  // ABI §11: one call of a host function; the reply record's length, the reply
  // written at resPtr when it fits, else a ticket naming it.
  hostCall(index, argsPtr, argsLen, resPtr, resMax) {
    const functions = this.functions;
    if (index >= functions.names.length) return -1;
    const deliver = (reply) => {
      const memory = this.memory(); // the call may have grown memory
      if (reply.length <= resMax) memory.set(reply, resPtr);
      else this.words.setUint32(resPtr, functions.keep(reply), true);
      return reply.length;
    };
    const settle = (value) => {
      try { return deliver(encodeResults(value)); } catch (e) { return deliver(encodeError(e)); }
    };
    let result;
    try {
      result = functions.call(index, this.read(argsPtr, argsLen));
    } catch (e) {
      return deliver(encodeError(e));
    }
    if (!isThenable(result)) return settle(result);
    if (!this.isAsync) {
      return deliver(encodeError(new TypeError("a Promise was returned where the host is not async (createLua's async: true waits for it)")));
    }
    return Promise.resolve(result).then(settle, (e) => deliver(encodeError(e)));
  }

  /**
   * Runs one eval (ABI §1.3) and returns
   * {output, outputBase64, stderr, stderrBase64, values, error, stats}: output
   * and stderr are text (invalid UTF-8 replaced; outputBase64 / stderrBase64
   * carry the exact bytes then, else null), values are typed JSON (ABI §10,
   * null for nil), error is null or {code, name, message, traceback}.
   * The request (ABI §2.2): stdin (a string or bytes, the script's standard
   * input), args (strings or bytes: `...` and arg[1..n]), name (the chunk's
   * name, so messages read `name:3: boom`; "input" when empty), keepGlobals
   * (the next eval sees the globals this one leaves, as a REPL's lines do),
   * modules (name -> Lua source for this eval, replacing createLua's of the
   * same name). An async host has no run: its evals are runAsync's.
   */
  run(code, request = NO_OPTIONS) {
    if (this.isAsync) throw new Error("this host has async functions: its evals run through runAsync");
    const started = performance.now();
    const length = this.prepare(code, request, started);
    if (typeof length !== "number") return length;
    this.running = true;
    let status;
    try {
      status = this.exports.compute(this.buffer, length);
    } catch (e) {
      this.trapped();
      throw e;
    }
    this.ended();
    return this.result(status, started);
  }

  /** run() as a Promise. In an async host it runs through JSPI, and the script
   *  waits for the value of a host function that returns a Promise; in another
   *  it is run(). */
  async runAsync(code, request = NO_OPTIONS) {
    if (!this.isAsync) return this.run(code, request);
    const started = performance.now();
    const length = this.prepare(code, request, started);
    if (typeof length !== "number") return length;
    this.running = true;
    let status;
    try {
      status = await this.computeAsync(this.buffer, length);
    } catch (e) {
      this.trapped();
      throw e;
    }
    this.ended();
    return this.result(status, started);
  }

  ended() {
    this.running = false;
    this.functions.endEval();
  }

  // A trap: this instance is unusable (ABI §1), and the eval's transaction is dropped.
  trapped() {
    this.ended();
    this.finish(false);
  }

  // Checks the request and writes it into the buffer: its length, or a result
  // (a failure) when a limit refuses it before anything reaches the module.
  prepare(code, { stdin = null, args = NO_ARGS, name = null, keepGlobals = false, modules = null } = NO_OPTIONS, started) {
    // One eval at a time (ABI §1): a host function, or a second runAsync while
    // one waits, must not start another.
    if (this.running) throw new Error("an eval of this instance is under way (one at a time; a host function cannot start one)");
    const request = {
      flags: keepGlobals ? KEEP_GLOBALS : 0,
      name: name === null ? NO_BYTES : bytesOf(name),
      code: bytesOf(code),
      stdin: stdin === null ? NO_BYTES : bytesOf(stdin),
      args: args.length === 0 ? NO_ARGS : args.map(bytesOf),
      modules: modules === null ? this.moduleList : moduleList(new Map([...this.modules, ...modulesOf(modules, "modules")])),
    };
    if (request.name.includes(0)) throw new TypeError("name must not contain a NUL character"); // as Sandbox.eval
    // ABI §2: over a limit is -2, said before anything reaches the module.
    let codeBytes = request.code.length;
    for (const [, source] of request.modules) codeBytes += source.length;
    if (codeBytes > this.limits.codeBytesMax) {
      const what = request.modules.length ? "code and its modules are" : "code is";
      return this.failure(STATUS.INVALID_SIZE, `the ${what} ${codeBytes} bytes; the limit is ${this.limits.codeBytesMax}`, started);
    }
    if (request.stdin.length > this.limits.inputBytesMax) {
      return this.failure(STATUS.INVALID_SIZE, `the input is ${request.stdin.length} bytes; the limit is ${this.limits.inputBytesMax}`, started);
    }
    // A request larger than the buffer would overwrite the module's memory past it.
    const length = requestLength(request);
    if (length > this.bufferSize) {
      return this.failure(STATUS.INVALID_SIZE, `the request is ${length} bytes; the buffer holds ${this.bufferSize}` +
        ` (the name, arguments and module names share ${REQUEST_ROOM_BYTES} bytes)`, started);
    }
    writeRequest(this.memory(), this.words, this.buffer, request);
    return length;
  }

  // ABI §4: the result record after `compute` returned `status`.
  result(status, started) {
    this.finish(status === STATUS.SUCCESS);
    const memory = this.memory(); // after compute: memory may have grown
    const words = this.words;
    const raw = parseRecord(status, memory, words, words.getUint32(this.buffer, true), words.getUint32(this.buffer + 4, true));
    const output = textOf(raw.output);
    const stderr = textOf(raw.stderr);
    // Text, and the exact bytes in base64 for bytes that are not UTF-8 (text then has U+FFFD).
    return {
      output: output ?? lossyText(raw.output), outputBase64: output === null ? wireValue(raw.output).b : null,
      stderr: stderr ?? lossyText(raw.stderr), stderrBase64: stderr === null ? wireValue(raw.stderr).b : null,
      values: status === STATUS.SUCCESS ? raw.values.map(wireValue) : [],
      error: status === STATUS.SUCCESS ? null : errorFor(status, raw.message, raw.traceback),
      stats: {
        instructions: raw.instructions, heap_used: raw.heapUsed, heap_peak: raw.heapPeak,
        elapsed_ms: Math.round((performance.now() - started) * 1000) / 1000,
      },
    };
  }

  failure(code, message, started) {
    return {
      output: "", outputBase64: null, stderr: "", stderrBase64: null, values: [], error: errorFor(code, message),
      stats: { instructions: 0, heap_used: 0, heap_peak: 0, elapsed_ms: Math.round((performance.now() - started) * 1000) / 1000 },
    };
  }

  /** ABI §2.1, and memory_bytes: the size of the instance's linear memory. */
  memoryStats() {
    this.exports.get_memory_stats(this.buffer);
    const memory = this.exports.memory.buffer;
    const v = new DataView(memory, this.buffer, 16);
    return { heap_used: v.getUint32(0, true), heap_total: v.getUint32(4, true), heap_peak: v.getUint32(8, true), gc_count: v.getUint32(12, true),
             memory_bytes: memory.byteLength };
  }

  collectGarbage() { this.exports.run_gc(); }
}

export { HomeStore, ROOT_ID };
export { multiple, LuaMultiple } from "./host-functions.js";

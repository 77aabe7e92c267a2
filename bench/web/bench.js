// The browser side of bench/run: one page per engine, driven through
// window.bench by Playwright. Every engine is timed the same way: from the
// source text to the end of the chunk (compilation included), with the output
// of print() captured so bench/run can compare checksums across engines.
//
//   await bench.open("lua.wasm")          // or "wasmoon", "fengari": {version}
//   await bench.run("print(1)")           // {output, ms} or {error}
//   await bench.evalOverhead(20, 100, 1000) // lua.wasm only: µs per lua.run("return 1")
//   await bench.homeLoop(100000, 7)       // lua.wasm only: os.clock() times of the loops
//   await bench.cold("lua.wasm", source)  // or "wasmoon": a first run in a fresh page, {output, ms}
//
// bench.cold is the cold column: in a page that has compiled nothing, it
// times the engine's creation (fetching and compiling its wasm, instantiating
// it, making the Lua state) and the chunk, together, the same way for both.

import { createLua } from "/lua-host.js";

// Big enough never to stop a benchmark: these programs are trusted.
const LUA_WASM_LIMITS = { instructionsMax: 1e15, memoryBytesMax: 2 ** 31, outputBytesMax: 1 << 20 };

/** lua.wasm through the project's own JavaScript host: one instance for
    every run, as a page or worker keeps it (every eval starts from fresh
    globals, zig/ABI.md §1). */
async function openLuaWasm() {
  const lua = await createLua({ wasm: "/lua.wasm", limits: LUA_WASM_LIMITS });
  return {
    lua,
    version: (() => { const r = lua.run("return _VERSION"); return r.error ? "?" : r.values[0]; })(),
    async run(source) {
      // From a microtask, as web/lua-worker.js runs scripts (and as wasmoon's
      // run below ends up running): under Playwright's inspector, a wasm throw
      // (each coroutine yield) made straight from an evaluate is ~10x dearer.
      await null;
      const started = performance.now();
      const r = lua.run(source);
      const ms = performance.now() - started;
      if (r.error) return { error: `${r.error.name}: ${r.error.message}`, output: r.output };
      return { output: r.output, ms };
    },
  };
}

const WASMOON_WASM = "/node_modules/wasmoon/dist/glue.wasm";

/** A new wasmoon state whose print collects its text in `out`: the stock
    print would go to the console. */
async function freshWasmoon(factory) {
  const lua = await factory.createEngine();
  const out = [];
  lua.global.set("__bench_write", (text) => { out.push(text); });
  lua.doStringSync(`
    local write, pack, concat, tostring = __bench_write, table.pack, table.concat, tostring
    __bench_write = nil
    function print(...)
      local t = pack(...)
      for i = 1, t.n do t[i] = tostring(t[i]) end
      write(concat(t, "\\t", 1, t.n) .. "\\n")
    end`);
  return { lua, out };
}

/** wasmoon: Lua 5.4 built with Emscripten. A new state for every run, made
    outside the timed part. */
async function openWasmoon() {
  const factory = new wasmoon.LuaFactory(WASMOON_WASM);
  const fresh = () => freshWasmoon(factory);
  const probe = await fresh();
  const version = probe.lua.doStringSync("return _VERSION");
  probe.lua.global.close();
  return {
    version,
    async run(source) {
      const state = await fresh();
      return runWasmoon(state, source, performance.now());
    },
  };
}

/** Runs `source` in a state of freshWasmoon, timed from `started`, and closes the state. */
function runWasmoon({ lua, out }, source, started) {
  try {
    lua.doStringSync(source);
    const ms = performance.now() - started;
    return { output: out.join(""), ms };
  } catch (e) {
    return { error: String(e && e.message || e), output: out.join("") };
  } finally {
    lua.global.close();
  }
}

/** fengari: Lua 5.3 written in JavaScript (its integers are 32-bit). A new
    state for every run; print is a JavaScript function that collects text. */
async function openFengari() {
  const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
  const fresh = () => {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    const out = [];
    lua.lua_pushjsfunction(L, (L) => {
      const n = lua.lua_gettop(L);
      const parts = [];
      for (let i = 1; i <= n; i++) {
        parts.push(to_jsstring(lauxlib.luaL_tolstring(L, i)));
        lua.lua_pop(L, 1);  /* the string luaL_tolstring pushed */
      }
      out.push(parts.join("\t") + "\n");
      return 0;
    });
    lua.lua_setglobal(L, to_luastring("print"));
    return { L, out };
  };
  const errorText = (L) => to_jsstring(lauxlib.luaL_tolstring(L, -1));
  const version = (() => {
    const { L } = fresh();
    lua.lua_getglobal(L, to_luastring("_VERSION"));
    return to_jsstring(lua.lua_tostring(L, -1));
  })();
  return {
    version,
    async run(source) {
      const { L, out } = fresh();
      const started = performance.now();
      let status = lauxlib.luaL_loadbuffer(L, to_luastring(source), null, to_luastring("=input"));
      if (status === lua.LUA_OK) status = lua.lua_pcall(L, 0, 0, 0);
      const ms = performance.now() - started;
      if (status !== lua.LUA_OK) return { error: errorText(L), output: out.join("") };
      return { output: out.join(""), ms };
    },
  };
}

/** The cold column's runs: the engine made from nothing, then the chunk, timed together. */
const COLD = {
  async "lua.wasm"(source) {
    const started = performance.now();
    const lua = await createLua({ wasm: "/lua.wasm", limits: LUA_WASM_LIMITS });
    const r = lua.run(source);
    const ms = performance.now() - started;
    if (r.error) return { error: `${r.error.name}: ${r.error.message}`, output: r.output };
    return { output: r.output, ms };
  },
  async wasmoon(source) {
    const started = performance.now();
    return runWasmoon(await freshWasmoon(new wasmoon.LuaFactory(WASMOON_WASM)), source, started);
  },
};

const OPENERS = { "lua.wasm": openLuaWasm, wasmoon: openWasmoon, fengari: openFengari };
let engine = null;

window.bench = {
  async open(name) {
    if (!OPENERS[name]) throw new Error(`unknown engine ${name}`);
    engine = await OPENERS[name]();
    return { version: engine.version, userAgent: navigator.userAgent, crossOriginIsolated };
  },

  async run(source) {
    return engine.run(source);
  },

  async cold(name, source) {
    if (!COLD[name]) throw new Error(`no cold run for ${name}`);
    return COLD[name](source);
  },

  /** µs per lua.run("return 1") of the page's host, which has run one eval
      before. first: the mean of its first `perBatch` × `batches` evals, timed
      as one block, while V8 runs the eval path in its baseline (Liftoff) code
      and compiles it with TurboFan on a background thread. Then evals for at
      least `warmMs` ms, long enough for that compilation to be done even on a
      loaded machine, and steady: `batches` batches of `perBatch` evals, so
      that the 5 µs grain of performance.now() does not matter; the median of
      the batches' means. */
  evalOverhead(batches, perBatch, warmMs) {
    const lua = engine.lua;
    const evals = batches * perBatch;
    let started = performance.now();
    for (let i = 0; i < evals; i++) lua.run("return 1");
    const first = (performance.now() - started) * 1000 / evals;
    started = performance.now();
    while (performance.now() - started < warmMs) {
      for (let i = 0; i < perBatch; i++) lua.run("return 1");
    }
    const means = [];
    for (let b = 0; b < batches; b++) {
      started = performance.now();
      for (let i = 0; i < perBatch; i++) lua.run("return 1");
      means.push((performance.now() - started) * 1000 / perBatch);
    }
    means.sort((a, b) => a - b);
    return { first, steady: means[means.length >> 1] };
  },

  /** Runs `code` `times` times; returns each eval's values as numbers. */
  evalValues(code, times) {
    const lua = engine.lua;
    const rows = [];
    for (let i = 0; i < times; i++) {
      const r = lua.run(code);
      if (r.error) throw new Error(r.error.message);
      rows.push(r.values.map((v) => (v && typeof v === "object" ? Number(v.f ?? v.i) : v)));
    }
    return rows;
  },
};
document.documentElement.dataset.ready = "true";

"""The seed's testing checklist, against the built lua.wasm and the raw ABI."""

import gzip
import struct
from pathlib import Path

import wasmtime


from wasm_compute._sandbox import default_wasm_path
from wasm_compute._engine_wasmtime import load_module

ROOT = Path(__file__).resolve().parents[1]


def test_build_produced_a_valid_module_in_web_and_the_package():
    for path in (ROOT / "web" / "lua.wasm", Path(default_wasm_path())):
        data = path.read_bytes()
        assert data[:8] == b"\0asm\x01\0\0\0", path
    assert (ROOT / "web" / "lua.wasm").read_bytes() == Path(default_wasm_path()).read_bytes()


def test_imports_are_exactly_the_documented_ones():
    # An undefined symbol silently becomes an import: pin the list (ABI §6, §7, §11).
    module = load_module(default_wasm_path())
    imports = sorted((i.module, i.name) for i in module.imports)
    assert imports == sorted([
        ("env", "js_clock"), ("env", "js_deadline"),
        ("env", "js_ext_table_get"), ("env", "js_ext_table_set"), ("env", "js_ext_table_delete"),
        ("env", "js_ext_table_size"), ("env", "js_ext_table_keys"),
        ("env", "js_host_call"), ("env", "js_host_reply"),
    ])


def test_exports_include_the_abi():
    module = load_module(default_wasm_path())
    names = {e.name for e in module.exports}
    assert {"memory", "_initialize", "init", "compute", "get_buffer_ptr", "get_buffer_size",
            "get_memory_stats", "run_gc"} <= names


def test_module_size_stays_small():
    data = Path(default_wasm_path()).read_bytes()
    assert len(gzip.compress(data, 9)) < 160_000


def test_init_buffers_and_compute_through_the_raw_abi(sb):
    engine = sb._engine
    assert engine.buffer_size >= 64 * 1024
    assert engine.buffer_size >= sb.limits.code_bytes_max + sb.limits.input_bytes_max + 64 * 1024
    request = (struct.pack("<I", 0) + struct.pack("<I", 0) + struct.pack("<I", 21) + b"print('raw') return 7"
               + struct.pack("<I", 0) + struct.pack("<I", 0) + struct.pack("<I", 0))
    status, record = engine.compute(request)
    assert status == 0
    # ABI §4: the record's head of 40 bytes starts with the output's length, and the
    # output follows the head.
    out_len = struct.unpack_from("<I", record)[0]
    assert record[40:40 + out_len] == b"raw\n"


def test_init_returns_zero_and_compute_before_init_is_null_state():
    config = wasmtime.Config()
    config.wasm_exceptions = True
    engine = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(engine, default_wasm_path())
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    for imp in module.imports:
        results = imp.type.results
        answer = 0.0 if results and results[0] == wasmtime.ValType.f64() else -1
        linker.define_func(imp.module, imp.name, imp.type, lambda *args, a=answer: a)
    exports = linker.instantiate(store, module).exports(store)
    exports["_initialize"](store)
    ptr = exports["get_buffer_ptr"](store)
    assert exports["compute"](store, ptr, 0) == -1
    assert exports["init"](store) == 0
    ptr = exports["get_buffer_ptr"](store)
    request = struct.pack("<IIi", 0, 0, 8) + b"return 1" + struct.pack("<III", 0, 0, 0)
    exports["memory"].write(store, request, ptr)
    assert exports["compute"](store, ptr, len(request)) == 0


def test_memory_stats_and_run_gc(sb):
    before = sb.memory_stats()
    assert before["heap_total"] == 64 * 1024 * 1024
    assert 0 < before["heap_used"] <= before["heap_peak"]
    sb.eval("garbage = {} for i = 1, 20000 do garbage[i] = {i} end")
    sb.collect_garbage()
    after = sb.memory_stats()
    assert after["gc_count"] == before["gc_count"] + 1
    # The eval's garbage is gone: the heap is back near where it started.
    assert after["heap_used"] < before["heap_used"] + 64 * 1024
    # The memory it took stays with the instance: wasm memory never shrinks.
    assert before["memory_bytes"] % 65536 == 0
    assert before["heap_used"] < before["memory_bytes"] < after["memory_bytes"]


def test_lua_executes_and_output_is_captured(sb):
    r = sb.eval("print('hello', 1, 2.5, nil, true) io.write('a', 1, '\\n') return 40 + 2")
    assert r.output == "hello\t1\t2.5\tnil\ttrue\na1\n"
    assert r.values == [42]


def test_many_executions_stay_stable(sb):
    used = []
    for i in range(300):
        r = sb.eval(f"local t = {{}} for j = 1, 100 do t[j] = '{i}' .. j end return #t, {i}")
        assert r.values == [100, i]
        used.append(r.stats.heap_used)
    sb.collect_garbage()
    assert sb.memory_stats()["heap_used"] < used[0] + 256 * 1024


def test_invalid_code_returns_an_error_code(sb):
    r = sb.eval("x = = 1")
    assert r.error.code == -3
    assert r.error.message == "input:1: unexpected symbol near '='"
    assert sb.eval("return 1").values == [1]


def test_the_v8_hosts_prime_with_the_eval_of_abi_1_5(sb):
    # ABI §1.5's eval, line for line in both hosts that run on V8 (lua-host.js for the
    # browser, _engine_pyodide.py for Pyodide), and harmless: no error, no output.
    abi = (ROOT / "zig" / "ABI.md").read_text()
    item = abi.split("5. A host whose WebAssembly is V8's", 1)[1]
    chunk = item.split("```lua\n", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in chunk.strip().splitlines()]
    assert len(lines) == 3
    for host in (ROOT / "web" / "lua-host.js", ROOT / "server" / "wasm_compute" / "_engine_pyodide.py"):
        text = "\n".join(line.strip() for line in host.read_text().splitlines())
        assert "\n".join(lines) in text, host
    r = sb.eval("\n".join(lines))
    assert r.error is None and r.output == "" and r.values == []

"""lua.wasm on the browser's WebAssembly, for the Python host running inside Pyodide.

Everything above the engine is the server's own code: `Sandbox`, `HomeBridge`, `MemoryStore`,
`_homejson`, `_wire`. Only the instance differs from `_engine_wasmtime.py`: the module is a
`WebAssembly.Module` that JavaScript compiled (web/pyodide-worker.js), and the imports of
ABI §6 and §7 are Python functions made JavaScript functions. This module imports `js` and
`pyodide`, so it loads only inside Pyodide.
"""

from __future__ import annotations

import base64
import json
import secrets
import struct
import traceback
import weakref

from js import Object, Uint8Array, WebAssembly
from pyodide.ffi import JsException, create_proxy, to_js

from . import _abi, _homejson
from ._bridge import BridgeImports, HomeBridge
from ._host import HostFunctions
from ._sandbox import Sandbox
from ._store import MemoryStore
from ._wire import base64_unless_text, encode_value

_HEADER = struct.Struct("<II")
# ABI §1.5: the eval that keeps luaV_execute's call of C functions generic in V8.
_PRIME_CALLS = _abi.encode_request(b"""for i = 1, 300 do
  local _ = type(i), rawlen("x"), select("#"), rawequal(i, i), math.abs(i), tostring(i), math.max(i, 2)
end""")


class PyodideEngine(BridgeImports):
    """One live instance of lua.wasm (ABI §1), with the interface of WasmtimeEngine.

    There is no wall-clock deadline here: timeout_ms is accepted for the common interface,
    js_deadline (ABI §7) always returns, and the page stops a runaway script by terminating
    the worker after its own timeoutMs (web/lua-client.js), as it does for the browser engine.
    """

    def __init__(self, wasm, limits: _abi.Limits, bridge: HomeBridge, clock, random_seed, timeout_ms: int,
                 host: HostFunctions | None = None):
        self._bridge = bridge
        self._clock = clock
        self._host = host if host is not None else HostFunctions(None)
        self._failure: BaseException | None = None
        # The imports reach this engine through a weak reference: a proxy keeps its function
        # alive until it is destroyed, which __del__ does when the engine goes (the Sandbox
        # replaces it after a trap).
        me = weakref.ref(self)
        imports = {name: create_proxy(_recording(me, method)) for name, method in (
            ("js_ext_table_get", PyodideEngine._get),
            ("js_ext_table_set", PyodideEngine._set),
            ("js_ext_table_delete", PyodideEngine._delete),
            ("js_ext_table_size", PyodideEngine._size),
            ("js_ext_table_keys", PyodideEngine._keys),
            ("js_clock", PyodideEngine._clock_import),
            ("js_deadline", PyodideEngine._deadline_import),
            ("js_host_call", PyodideEngine._host_call),
            ("js_host_reply", PyodideEngine._host_reply),
        )}
        self._proxies = list(imports.values())
        env = to_js({"env": imports}, dict_converter=Object.fromEntries)
        instance = WebAssembly.Instance.new(wasm, env)
        exports = instance.exports
        self._memory = exports.memory
        self._view = Uint8Array.new(self._memory.buffer)
        self._compute = exports.compute
        self._stats = exports.get_memory_stats
        self._gc = exports.run_gc
        exports._initialize()
        self._buffer = exports.get_buffer_ptr()
        seed_fixed = random_seed is not None
        seed = random_seed if seed_fixed else secrets.randbits(63)
        self._write(self._buffer, limits.encode(seed, seed_fixed) + self._host.record)
        status = exports.init()
        if status != _abi.SUCCESS:
            raise RuntimeError(f"lua.wasm init failed with status {status}{self._host.init_hint()}")
        # init may have moved the buffer to fit the largest request (ABI §2).
        self._buffer = exports.get_buffer_ptr()
        self.buffer_size = exports.get_buffer_size()
        self.compute(_PRIME_CALLS)  # ABI §1.5, for V8: its result is of no use

    def __del__(self):
        for proxy in getattr(self, "_proxies", ()):
            proxy.destroy()

    # ---------------------------------------------------------------- memory

    # Each access through a JsProxy is a crossing into JavaScript, so a read is a subarray and
    # a copy. memory.grow detaches the old buffer: a subarray of the old view then fails (or,
    # where a browser allows it, comes out short), the sign to make the view again.

    def _room(self, ptr: int, n: int):
        try:
            room = self._view.subarray(ptr, ptr + n)
        except JsException:
            room = None
        if room is None or room.length != n:
            self._view = Uint8Array.new(self._memory.buffer)
            room = self._view.subarray(ptr, ptr + n)
            if room.length != n:
                raise _abi.MalformedError(f"address {ptr + n} is outside the module's memory")
        return room

    def _read(self, ptr: int, n: int) -> bytes:
        return self._room(ptr, n).to_bytes()

    def _write(self, ptr: int, data: bytes) -> None:
        self._room(ptr, len(data)).assign(data)

    # ---------------------------------------------------------------- calls

    def compute(self, request: bytes) -> tuple[int, bytes]:
        """Runs the eval a request record (ABI §2.2) describes: (status, result record).
        The record must fit in `buffer_size`. Raises what an import raised (a StoreError,
        say), or pyodide's JsException for a trap; the instance is then unusable."""
        self._write(self._buffer, request)
        self._failure = None
        host = self._host
        try:
            status = self._compute(self._buffer, len(request))
            ptr, length = _HEADER.unpack(self._read(self._buffer, _HEADER.size))
            return status, self._read(ptr, length)
        except Exception:
            failure, self._failure = self._failure, None
            if failure is None:
                raise
            # Pyodide's JavaScript error keeps `failure` until JavaScript collects it, and
            # `failure` keeps its frames, this one too: none of them may keep this engine
            # (and its memory) once the Sandbox has dropped it.
            traceback.clear_frames(failure.__traceback__)
            del self
            raise failure
        finally:
            host.end_eval()

    def memory_stats(self) -> dict:
        self._stats(self._buffer)
        stats = _abi.parse_memory_stats(self._read(self._buffer, _abi.STATS_SIZE))
        stats["memory_bytes"] = self._memory.buffer.byteLength
        return stats

    def run_gc(self) -> None:
        self._gc()


def _recording(me, method):
    """An import: `method` of the engine, keeping what it raised. The exception reaches the
    wasm call as a JavaScript error, and compute() raises the original, as wasmtime-py does
    for a host function."""
    def call(*args):
        engine = me()
        try:
            return method(engine, *args)
        except BaseException as exc:
            engine._failure = exc
            raise
    return call


# ------------------------------------------------------------------ the worker's side

_LIMIT_NAMES = {"memoryBytesMax": "memory_bytes_max", "instructionsMax": "instructions_max",
                "outputBytesMax": "output_bytes_max", "codeBytesMax": "code_bytes_max",
                "inputBytesMax": "input_bytes_max"}
_worker: tuple[str, Sandbox] | None = None


def _sandbox(wasm, options: dict) -> Sandbox:
    """The worker's Sandbox: one instance kept from run to run, as web/lua-worker.js keeps its
    LuaHost; made again when the options change. options: the client's, in its own names:
    limits {memoryBytesMax, ...}, clock, randomSeed."""
    global _worker
    key = json.dumps(options, sort_keys=True)
    if _worker is None or _worker[0] != key:
        limits = {_LIMIT_NAMES[k]: v for k, v in (options.get("limits") or {}).items() if k in _LIMIT_NAMES}
        sandbox = Sandbox(MemoryStore(), wasm_path=wasm, engine_factory=PyodideEngine,
                          clock=options.get("clock"), random_seed=options.get("randomSeed"), **limits)
        if _worker is not None:
            _worker[1].close()
        _worker = (key, sandbox)
    return _worker[1]


def run_json(wasm, request: str) -> str:
    """One run for web/pyodide-worker.js. request: JSON {home, options, code, stdin?, args?,
    name?, keepGlobals?, modules?}, home the page's `_home` as typed JSON (zig/ABI.md §10), the others
    what Sandbox.eval takes (ABI §2.2), code and each string a JSON string or, for bytes that
    are not UTF-8, {"b": base64} (web/abi.js `requestJson`). Answers JSON {result, home}: the result in the shape of
    the browser engine's (web/lua-host.js `run`) and the `_home` after the run.
    Strings cross into JavaScript in one piece, cheaper than converting nested objects."""
    global _worker
    data = json.loads(request)
    sandbox = _sandbox(wasm, data.get("options") or {})
    try:
        _homejson.load(sandbox.store, data["home"])
        r = sandbox.eval(_request_bytes(data["code"]), stdin=_request_bytes(data.get("stdin")),
                         args=[_request_bytes(a) for a in data.get("args") or ()],
                         name=_request_bytes(data.get("name")), keep_globals=bool(data.get("keepGlobals")),
                         modules=data.get("modules"))
        home = _homejson.dump(sandbox.store)
    except BaseException:
        _worker = None
        raise
    result = {
        "output": r.output,
        "outputBase64": base64_unless_text(r.output_bytes),
        "stderr": r.stderr,
        "stderrBase64": base64_unless_text(r.stderr_bytes),
        "values": [encode_value(v) for v in r.raw_values],
        "error": r.error.to_dict() if r.error is not None else None,
        "stats": r.stats.to_dict(),
    }
    return json.dumps({"result": result, "home": home})


def _request_bytes(v) -> bytes | None:
    """A string of the request as bytes: text (lone surrogates kept, as _homejson keeps
    them), or {"b": base64} for bytes that are not UTF-8."""
    if v is None:
        return None
    if isinstance(v, str):
        return v.encode("utf-8", "surrogatepass")
    return base64.b64decode(v["b"], validate=True)

"""lua.wasm on wasmtime: one instance, its imports, and its wall-clock deadline.

The imports implement ABI §6 and §7 over a `HomeBridge`; every other rule of
the ABI lives in `_abi.py` and `_sandbox.py`, shared with the other engines.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import math
import os
import secrets
import struct
from importlib import metadata
import tempfile
import threading
import time
import weakref
from pathlib import Path

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime import _func as wasmtime_func
from wasmtime._func import maybe_raise_last_exn

from . import _abi
from ._bridge import BridgeImports, HomeBridge
from ._host import HostFunctions

# ABI §2: where `compute` leaves its result record, at the start of the buffer.
_HEADER = struct.Struct("<II")


def _bare(name: str, restype):
    """wasmtime's C function `name` without declared argument types: wasmtime-py's
    bindings declare them, and ctypes then checks and converts every argument at every
    call, a third of the cost of a call. Callers pass ctypes objects of the right types."""
    function = ffi.dll[name]  # indexing makes a new function object; attributes are shared
    function.restype = restype
    return function


_func_call_unchecked = _bare("wasmtime_func_call_unchecked", ctypes.c_void_p)
_memory_data = _bare("wasmtime_memory_data", ctypes.c_void_p)
_memory_data_size = _bare("wasmtime_memory_data_size", ctypes.c_size_t)
_COMPUTE_ARGS = ctypes.c_size_t(2)
_engine_lock = threading.Lock()
_engine: wasmtime.Engine | None = None
_modules: dict[str, wasmtime.Module] = {}


def _get_engine() -> wasmtime.Engine:
    # wasmtime's defaults measured best for the VM (bench/README.md): no
    # epoch interruption, since the module asks for the deadline itself
    # (ABI §7, js_deadline) and epoch checks made it ~1.2x slower; signals-
    # based traps and the default memory reservation (no bounds checks).
    global _engine
    with _engine_lock:
        if _engine is None:
            config = wasmtime.Config()
            config.wasm_exceptions = True
            _engine = wasmtime.Engine(config)
        return _engine


def _cache_dir() -> Path:
    base = os.environ.get("WASM_COMPUTE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "wasm-compute")
    return Path(base)


def load_module(path: str) -> wasmtime.Module:
    """The compiled module, from memory, the disk cache, or a compilation."""
    module = _modules.get(path)
    if module is not None:
        return module
    engine = _get_engine()
    wasm = Path(path).read_bytes()
    digest = hashlib.sha256(wasm + metadata.version("wasmtime").encode() + b"exceptions").hexdigest()[:32]
    cached = _cache_dir() / f"lua-{digest}.cwasm"
    module = None
    if cached.exists():
        try:
            module = wasmtime.Module.deserialize_file(engine, str(cached))
        except wasmtime.WasmtimeError:
            module = None
    if module is None:
        module = wasmtime.Module(engine, wasm)
        _write_cache(cached, module.serialize())
    _modules[path] = module
    return module


def _write_cache(path: Path, data: bytes) -> None:
    # A cache that cannot be written only costs the next start a compilation.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        for stale in path.parent.glob("lua-*.cwasm"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass


# The imports that take and return i32 (ABI §6, §11) go through wasmtime's unchecked host
# functions: its checked path makes a `Val` of every argument and checks the result's type,
# about half of what a call of a host function that does nothing costs. Each entry: env id
# -> (a weak reference to the engine, the method, how many i32 arguments).
_UNCHECKED: dict[int, tuple] = {}
_unchecked_ids = itertools.count(1)


@ffi.wasmtime_func_unchecked_callback_t
def _unchecked_import(env, caller, values, count):
    me, method, nargs = _UNCHECKED[env]
    try:
        # Pointers and lengths are u32 (ABI §2); the raw slots hold them as i32.
        values[0].i32 = method(me(), *[values[i].i32 & 0xFFFFFFFF for i in range(nargs)])
        return 0
    except BaseException as exc:
        # As wasmtime-py's own trampoline: the trap stops the call, and the call's caller
        # (`compute`) raises the exception itself.
        wasmtime_func.LAST_EXCEPTION = exc
        return ctypes.cast(wasmtime.Trap("python exception")._consume(), ctypes.c_void_p).value


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _unchecked_finalize(env):
    _UNCHECKED.pop(env, None)


def _define_unchecked(linker, store, name: str, nargs: int, me, method) -> None:
    env = next(_unchecked_ids)
    _UNCHECKED[env] = (me, method, nargs)
    i32 = wasmtime.ValType.i32()
    ty = wasmtime.FuncType([i32] * nargs, [i32])  # alive until wasmtime has copied it
    func = ffi.wasmtime_func_t()
    ffi.wasmtime_func_new_unchecked(store._context(), ty.ptr(), _unchecked_import, env, _unchecked_finalize,
                                    ctypes.byref(func))
    linker.define(store, "env", name, wasmtime.Func._from_raw(func))


class WasmtimeEngine(BridgeImports):
    """One live instance of lua.wasm (ABI §1)."""

    def __init__(self, wasm_path: str, limits: _abi.Limits, bridge: HomeBridge,
                 clock, random_seed, timeout_ms: int, host: HostFunctions | None = None):
        self._bridge = bridge
        self._clock = clock
        self._host = host if host is not None else HostFunctions(None)
        self._timeout_s = timeout_ms / 1000
        engine = _get_engine()
        module = load_module(wasm_path)
        self._store = wasmtime.Store(engine)
        linker = wasmtime.Linker(engine)
        i32, f64 = wasmtime.ValType.i32(), wasmtime.ValType.f64()
        # wasmtime keeps host functions for good: they must not keep this
        # engine (and its Store, 8 GiB of address space) alive.
        me = weakref.ref(self)
        for name, nargs, method in (
            ("js_ext_table_get", 5, WasmtimeEngine._get),
            ("js_ext_table_set", 5, WasmtimeEngine._set),
            ("js_ext_table_delete", 3, WasmtimeEngine._delete),
            ("js_ext_table_size", 1, WasmtimeEngine._size),
            ("js_ext_table_keys", 3, WasmtimeEngine._keys),
            ("js_host_call", 5, WasmtimeEngine._host_call),
            ("js_host_reply", 3, WasmtimeEngine._host_reply),
        ):
            _define_unchecked(linker, self._store, name, nargs, me, method)
        linker.define_func("env", "js_clock", wasmtime.FuncType([i32], [f64]),
                           lambda kind: WasmtimeEngine._clock_import(me(), kind))
        linker.define_func("env", "js_deadline", wasmtime.FuncType([], []),
                           lambda: WasmtimeEngine._deadline_import(me()))
        instance = linker.instantiate(self._store, module)
        exports = instance.exports(self._store)
        self._memory = exports["memory"]
        self._memory_ref = ctypes.byref(self._memory._memory)
        # The store's context pointer lives as long as the store.
        self._context = self._store._context()
        self._memory_size = -1
        self._view = memoryview(b"")
        self._compute = exports["compute"]
        self._compute_ref = ctypes.byref(self._compute._func)
        self._compute_args = (ffi.wasmtime_val_raw_t * 2)()
        self._trap = ctypes.POINTER(ffi.wasm_trap_t)()
        self._trap_ref = ctypes.byref(self._trap)
        self._stats = exports["get_memory_stats"]
        self._gc = exports["run_gc"]
        exports["_initialize"](self._store)
        self._buffer = exports["get_buffer_ptr"](self._store)
        seed_fixed = random_seed is not None
        seed = random_seed if seed_fixed else secrets.randbits(63)
        self._write(self._buffer, limits.encode(seed, seed_fixed) + self._host.record)
        status = exports["init"](self._store)
        if status != _abi.SUCCESS:
            raise RuntimeError(f"lua.wasm init failed with status {status}{self._host.init_hint()}")
        # init may have moved the buffer to fit the largest request (ABI §2).
        self._buffer = exports["get_buffer_ptr"](self._store)
        self.buffer_size = exports["get_buffer_size"](self._store)
        self._memory_seen()

    # ---------------------------------------------------------------- memory

    # Memory is read and written through its base address: wasmtime-py's
    # checked accessors cost more than the rest of a small eval. The base can
    # move when memory grows, and only then: an import, which runs while the
    # module may grow it, asks for it at each access; `compute` asks for the
    # size once after each call, and makes its view of the memory anew only
    # when the size changed.

    def _base(self, end: int) -> int:
        if end > _memory_data_size(self._context, self._memory_ref):
            raise _abi.MalformedError(f"address {end} is outside the module's memory")
        return _memory_data(self._context, self._memory_ref)

    def _read(self, ptr: int, n: int) -> bytes:
        return ctypes.string_at(self._base(ptr + n) + ptr, n)

    def _write(self, ptr: int, data: bytes) -> None:
        ctypes.memmove(self._base(ptr + len(data)) + ptr, data, len(data))

    def _memory_seen(self) -> None:
        """Records the memory's size and a view of it after a call of the module. A slice
        of the view costs a third of a ctypes call; the view's length bounds every access."""
        size = _memory_data_size(self._context, self._memory_ref)
        if size != self._memory_size:
            self._memory_size = size
            base = _memory_data(self._context, self._memory_ref)
            self._view = memoryview((ctypes.c_ubyte * size).from_address(base)).cast("B")

    # ---------------------------------------------------------------- calls

    def compute(self, request: bytes) -> tuple[int, bytes]:
        """Runs the eval a request record (ABI §2.2) describes: (status, result
        record). The record must fit in `buffer_size`. Raises TimeoutError (from
        js_deadline, ABI §7) or wasmtime.Trap when the instance stopped; it is
        then unusable. One function, since each Python call costs a small eval
        ~1%: `compute(buffer, request_len)` through wasmtime's unchecked call (the
        signature is fixed by the ABI, and the checked path costs ~10 µs), then
        one look at the memory for the header and the record it points to (ABI §2)."""
        n = len(request)
        buffer = self._buffer
        if buffer + n > self._memory_size:
            raise _abi.MalformedError(f"address {buffer + n} is outside the module's memory")
        self._view[buffer:buffer + n] = request
        args = self._compute_args
        args[0].i32 = buffer
        args[1].i32 = n
        self._deadline = time.monotonic() + self._timeout_s
        try:
            error = _func_call_unchecked(self._context, self._compute_ref, args, _COMPUTE_ARGS, self._trap_ref)
        finally:
            self._deadline = math.inf
            self._host.end_eval()
        if error:
            maybe_raise_last_exn()
            raise wasmtime.WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t)))
        if self._trap:
            trap_obj = wasmtime.Trap._from_ptr(self._trap)
            # The Trap owns that pointer now; the next call gets an empty one.
            self._trap = ctypes.POINTER(ffi.wasm_trap_t)()
            self._trap_ref = ctypes.byref(self._trap)
            maybe_raise_last_exn()
            raise trap_obj
        if _memory_data_size(self._context, self._memory_ref) != self._memory_size:
            self._memory_seen()
        view = self._view
        try:
            ptr, length = _HEADER.unpack_from(view, buffer)
        except struct.error:
            raise _abi.MalformedError("the result header is outside the module's memory") from None
        if ptr + length > self._memory_size:
            raise _abi.MalformedError(f"address {ptr + length} is outside the module's memory")
        return args[0].i32, bytes(view[ptr:ptr + length])

    def memory_stats(self) -> dict:
        self._stats(self._store, self._buffer)
        self._memory_seen()
        stats = _abi.parse_memory_stats(self._read(self._buffer, _abi.STATS_SIZE))
        stats["memory_bytes"] = self._memory_size
        return stats

    def run_gc(self) -> None:
        self._gc(self._store)
        self._memory_seen()

"""The public Sandbox: a Lua 5.4 with a persistent `_home`, engine-agnostic."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Mapping, Sequence
from importlib import resources

from . import _abi
from ._bridge import HomeBridge
from ._errors import SandboxClosed, error_for
from ._host import HostFunctions
from ._result import Result, Stats, frozen
from ._store import MemoryStore, Store

_MiB = 1024 * 1024
# ABI §2: the buffer holds the largest code and input, and this much more for the rest
# of a request.
_REQUEST_ROOM_BYTES = 64 * 1024
# eval's default arguments: one object, so that the common eval checks nothing.
_NO_ARGS: tuple = ()


def _as_bytes(value, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def _modules(modules, what: str) -> dict[bytes, bytes]:
    """Modules for `require` (zig/ABI.md §12): name -> Lua source, as bytes."""
    if modules is None:
        return {}
    if not isinstance(modules, Mapping):
        raise TypeError(f"{what} must be a mapping of names to sources, not {type(modules).__name__}")
    out = {}
    for name, source in modules.items():
        key = _as_bytes(name, f"the name of a module in {what}")
        if not key or b"\0" in key:
            raise ValueError(f"module name {name!r} in {what} is empty or holds a NUL character")
        out[key] = _as_bytes(source, f"{what}[{name!r}]")
    return out


def default_wasm_path() -> str:
    """lua.wasm: $WASM_COMPUTE_WASM, else the copy inside this package."""
    env = os.environ.get("WASM_COMPUTE_WASM")
    if env:
        return env
    return str(resources.files(__package__).joinpath("lua.wasm"))


class Sandbox:
    """Runs Lua scripts, one at a time, with `_home` kept in `home`.

    home: a Store (MemoryStore, SQLiteStore), a dict/list to start a MemoryStore
    from, or None for an empty MemoryStore.
    Limits (zig/ABI.md §3): memory_bytes_max, instructions_max, output_bytes_max (each of
    standard output and standard error), code_bytes_max, input_bytes_max (standard input);
    timeout_ms bounds the wall time of one eval (a script stuck
    inside one C call, such as a pattern match).
    clock: None for the real clock, or fixed Unix seconds for os.time/os.date
    (os.clock then reads 0). random_seed: None for a random generator that runs
    on across evals, or an integer: every eval then draws the same numbers.
    engine_factory: the engine class, WasmtimeEngine unless given; wasm_path is what it
    loads, lua.wasm inside this package unless given (for `_engine_pyodide.PyodideEngine`,
    a WebAssembly.Module compiled by JavaScript).
    functions: host functions (zig/ABI.md §11), name -> callable; a dotted name (`log.info`)
    is a field of nested tables. A call gets the Lua arguments as Python values (nil None,
    booleans, int, float, a string str when valid UTF-8 else bytes, a table a list when its
    keys are 1..n else a dict) and returns one value (None nil, bool, int within 64 bits,
    float, str, bytes, list or tuple inside a list, dict with bool/int/float/str/bytes keys),
    or a tuple of several (the empty tuple: none). An exception is a Lua error at the call,
    `input:3: price: ValueError: no such sku`. A function returning an awaitable is awaited
    (on the loop of `eval_async`). Host functions run outside the `_home` transaction.
    modules: Lua sources `require` finds by name (zig/ABI.md §12), for every eval; an eval's
    own `modules` replace those of the same name. The sources count toward code_bytes_max
    with the code.
    """

    def __init__(self, home: Store | Mapping | list | None = None, *,
                 memory_bytes_max: int = 64 * _MiB,
                 instructions_max: int = 1_000_000_000,
                 timeout_ms: int = 10_000,
                 output_bytes_max: int = 1 * _MiB,
                 code_bytes_max: int = 1 * _MiB,
                 input_bytes_max: int = 1 * _MiB,
                 clock: float | None = None,
                 random_seed: int | None = None,
                 wasm_path: str | None = None,
                 engine_factory=None,
                 functions: Mapping | None = None,
                 modules: Mapping | None = None):
        if home is None:
            home = MemoryStore()
        elif not isinstance(home, Store):
            home = MemoryStore(home)
        if not isinstance(timeout_ms, int) or isinstance(timeout_ms, bool) or timeout_ms < 1:
            raise ValueError(f"timeout_ms must be a positive integer, not {timeout_ms!r}")
        if clock is not None and not isinstance(clock, (int, float)):
            raise ValueError(f"clock must be None or Unix seconds, not {clock!r}")
        if random_seed is not None and (not isinstance(random_seed, int) or not -2**63 <= random_seed < 2**63):
            raise ValueError(f"random_seed must be None or a 64-bit integer, not {random_seed!r}")
        self.limits = _abi.Limits(memory_bytes_max, instructions_max, output_bytes_max, code_bytes_max,
                                  input_bytes_max)
        self.timeout_ms = timeout_ms
        if functions is not None and not isinstance(functions, Mapping):
            raise TypeError(f"functions must be a mapping of names to callables, not {type(functions).__name__}")
        self._host = HostFunctions(functions)
        self._modules = _modules(modules, "modules")
        self._eval_thread: int | None = None
        self._store = home
        self._bridge = HomeBridge(home)
        self._clock = clock
        self._random_seed = random_seed
        self._started = time.process_time()
        self._wasm_path = wasm_path if wasm_path is not None else default_wasm_path()
        if engine_factory is None:
            from ._engine_wasmtime import WasmtimeEngine
            engine_factory = WasmtimeEngine
        self._engine_factory = engine_factory
        self._lock = threading.Lock()
        self._loop_lock = threading.Lock()
        self._closed = False
        self._engine = self._new_engine()

    def _new_engine(self):
        return self._engine_factory(self._wasm_path, self.limits, self._bridge,
                                    self._clock_now, self._random_seed, self.timeout_ms, host=self._host)

    # ABI §7: what the module asks of the host.
    def _clock_now(self, kind: int) -> float:
        if self._clock is not None:
            return float(self._clock) if kind == 0 else 0.0
        return time.time() if kind == 0 else time.process_time() - self._started

    @property
    def store(self) -> Store:
        return self._store

    @property
    def home(self) -> Mapping:
        """A read-only view of `_home` as Python values (str/bytes, int, float, bool, dict, list)."""
        return HomeView(self._store)

    def eval(self, code: str | bytes, *, stdin: str | bytes | None = None, args=_NO_ARGS,
             name: str | bytes | None = None, keep_globals: bool = False,
             modules: Mapping | None = None) -> Result:
        """Runs `code` as `lua NAME ARGS... < STDIN` would run that file (zig/ABI.md §2.2)
        and returns its Result.

        stdin: what `io.read` and `io.lines()` read (str is sent as UTF-8); args: the script's
        arguments, a sequence of str or bytes (`...` and `arg[1..n]`); name: the chunk name,
        for messages (`f.lua:3: boom`) and `arg[0]`, "input" when None or empty;
        keep_globals: the next eval sees this one's globals (a REPL's lines), instead of
        the fresh environment every eval starts from; modules: name -> Lua source for
        `require`, over the Sandbox's own.
        Lua errors and limits come back in `Result.error`; they never raise. Arguments of the
        wrong type raise TypeError or ValueError."""
        code = code.encode("utf-8") if type(code) is str else _as_bytes(code, "code")
        if stdin is None and args is _NO_ARGS and name is None and keep_globals is False and modules is None:
            # The common eval, `sb.eval(code)`: no other argument to check.
            stdin = name = b""
            modules = self._modules
        else:
            stdin = b"" if stdin is None else _as_bytes(stdin, "stdin")
            if args is not _NO_ARGS:
                if isinstance(args, (str, bytes, bytearray, memoryview)) or not isinstance(args, Sequence):
                    raise TypeError(f"args must be a sequence of str or bytes, not {type(args).__name__}")
                args = [_as_bytes(a, f"args[{i}]") for i, a in enumerate(args)]
            name = b"" if name is None else _as_bytes(name, "name")
            if b"\0" in name:
                raise ValueError("name must not contain a NUL byte")
            if keep_globals is not False and keep_globals is not True:
                raise TypeError(f"keep_globals must be a bool, not {type(keep_globals).__name__}")
            modules = self._modules if modules is None else {**self._modules, **_modules(modules, "modules")}
        if self._eval_thread == threading.get_ident():  # _check_not_inside, inline
            raise RuntimeError("a host function cannot use the Sandbox that called it")
        # acquire and release rather than `with`: a third of the time, in a call of ~10 µs.
        self._lock.acquire()
        try:
            if self._closed:
                raise SandboxClosed("this Sandbox is closed")
            # The module refuses these too (ABI §2); refusing here first keeps an
            # oversized request out of the module's memory.
            code_bytes = len(code) + sum(len(s) for s in modules.values()) if modules else len(code)
            if code_bytes > self.limits.code_bytes_max or len(stdin) > self.limits.input_bytes_max:
                return self._too_large(code_bytes, len(stdin), bool(modules))
            if stdin or args or name or keep_globals or modules:
                request = _abi.encode_request(code, name=name, stdin=stdin, args=args, keep_globals=keep_globals,
                                              modules=list(modules.items()))
            else:
                request = _abi.encode_plain(code)
            if len(request) > self._engine.buffer_size:
                return Result(error=error_for(
                    _abi.ERROR_INVALID_SIZE,
                    f"the request is {len(request)} bytes; the buffer holds {self._engine.buffer_size}"
                    f" (the name, arguments and module names share {_REQUEST_ROOM_BYTES} bytes)"))
            self._eval_thread = threading.get_ident()
            try:
                return self._run(request)
            finally:
                self._eval_thread = None
        finally:
            self._lock.release()

    def _too_large(self, code_bytes: int, stdin_bytes: int, with_modules: bool) -> Result:
        for what, size, limit in (("code and its modules" if with_modules else "code", code_bytes,
                                   self.limits.code_bytes_max),
                                  ("input", stdin_bytes, self.limits.input_bytes_max)):
            if size > limit:
                verb = "are" if with_modules and what != "input" else "is"
                return Result(error=error_for(
                    _abi.ERROR_INVALID_SIZE, f"the {what} {verb} {size} bytes; the limit is {limit}"))
        raise AssertionError("called for a request within the limits")

    async def eval_async(self, code: str | bytes, **kwargs) -> Result:
        """`eval` in a worker thread, so that the event loop goes on meanwhile; async host
        functions run on this loop. One Sandbox still runs one eval at a time: a second
        eval waits for the first."""
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(self._eval_on, loop, code, kwargs)

    def _eval_on(self, loop, code, kwargs) -> Result:
        # Async evals take turns here, so that one cannot swap the loop under another.
        with self._loop_lock:
            self._host.loop = loop
            try:
                return self.eval(code, **kwargs)
            finally:
                self._host.loop = None

    def _check_not_inside(self) -> None:
        """A host function runs inside its Sandbox's eval, which holds the lock."""
        if self._eval_thread == threading.get_ident():
            raise RuntimeError("a host function cannot use the Sandbox that called it")

    def _run(self, request: bytes) -> Result:
        started = time.perf_counter_ns()
        try:
            status, record = self._engine.compute(request)
        except TimeoutError:
            return self._lost(_abi.ERROR_TIMEOUT, f"timeout: the script ran longer than {self.timeout_ms} ms", started)
        except Exception as exc:  # a trap, or the store failing under an import
            failure = self._bridge_failure(exc)
            return self._lost(failure[0], failure[1], started)
        except BaseException:
            # KeyboardInterrupt in a host function, say: it goes on up, and the instance,
            # stopped mid-eval, is replaced (ABI §1).
            self._lost(_abi.ERROR_TRAP, "interrupted", started)
            raise
        try:
            self._bridge.finish(status == _abi.SUCCESS)
        except Exception as exc:  # the commit failed (or its answer was lost with the connection)
            failure = self._bridge_failure(exc)
            if failure[0] != _abi.ERROR_STORE_FAILED:
                raise
            return self._lost(*failure, started)
        (_, output, stderr, raw_values, message, traceback, instructions, heap_used,
         heap_peak) = _abi.parse_record(status, record)
        stats = frozen(Stats, {"instructions": instructions, "heap_used": heap_used, "heap_peak": heap_peak,
                               "elapsed_ms": _elapsed_ms(started)})
        error = None
        if status != _abi.SUCCESS:
            error = error_for(status, message.decode("utf-8", "replace"), traceback.decode("utf-8", "replace"))
        values = list(map(_abi.to_python, raw_values)) if raw_values else []
        return frozen(Result, {"output_bytes": output, "values": values, "error": error, "stats": stats,
                               "raw_values": raw_values, "stderr_bytes": stderr})

    def _bridge_failure(self, exc: Exception) -> tuple[int, str]:
        from ._store import StoreError
        cause = exc
        while cause is not None and not isinstance(cause, StoreError):
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, StoreError):
            return _abi.ERROR_STORE_FAILED, f"the _home store failed: {cause}"
        return _abi.ERROR_TRAP, f"the sandbox crashed and was restarted: {exc}"

    def _lost(self, code: int, message: str, started: int) -> Result:
        """The instance stopped mid-eval: drop its writes and replace it."""
        self._bridge.finish(committed=False)
        self._engine = self._new_engine()
        return Result(error=error_for(code, message), stats=Stats(elapsed_ms=_elapsed_ms(started)))

    def memory_stats(self) -> dict:
        """ABI §2.1: heap_used, heap_total, heap_peak, gc_count, and memory_bytes, the size of
        the instance's linear memory (it grows, and never shrinks)."""
        self._check_not_inside()
        with self._lock:
            self._check_open()
            return self._engine.memory_stats()

    def collect_garbage(self) -> None:
        self._check_not_inside()
        with self._lock:
            self._check_open()
            self._engine.run_gc()

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxClosed("this Sandbox is closed")

    def close(self) -> None:
        self._check_not_inside()
        with self._lock:
            if not self._closed:
                self._closed = True
                self._engine = None
                self._store.close()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _elapsed_ms(started_ns: int) -> float:
    """Milliseconds since `started_ns` (`time.perf_counter_ns`), to the microsecond: what
    `round(ms, 3)` gives, in a quarter of its time."""
    return (time.perf_counter_ns() - started_ns + 500) // 1000 / 1000


class HomeView(Mapping):
    """`_home` as Python values, read from the store at each access."""

    def __init__(self, store: Store):
        self._store = store

    def _data(self) -> dict:
        data = self._store.snapshot()
        return dict(enumerate(data, 1)) if isinstance(data, list) else data

    def __getitem__(self, key):
        return self._data()[key]

    def __iter__(self):
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return f"HomeView({self._data()!r})"

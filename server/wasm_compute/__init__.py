"""wasm-compute: a sandboxed Lua 5.4 in WebAssembly with a persistent `_home`.

    from wasm_compute import Sandbox, SQLiteStore
    sb = Sandbox(home=SQLiteStore("h.db"))  # or PostgresStore("postgresql://...", home="alice")
    r = sb.eval("_home.n = (_home.n or 0) + 1 return _home.n")
"""

from ._abi import Limits, LuaObject
from ._errors import (
    CodeTooLarge,
    EngineFailure,
    InstructionLimitExceeded,
    LimitExceeded,
    LuaError,
    LuaRuntimeError,
    LuaSyntaxError,
    MemoryLimitExceeded,
    SandboxClosed,
    StoreFailed,
    TimeoutExceeded,
    WasmComputeError,
)
from ._result import Result, Stats
from ._sandbox import HomeView, Sandbox
from ._store import MemoryStore, NoSuchTable, SQLiteStore, Store, StoreError
from ._store_postgres import PostgresStore

__all__ = [
    "CodeTooLarge", "EngineFailure", "HomeView", "InstructionLimitExceeded", "LimitExceeded",
    "Limits", "LuaError", "LuaObject", "LuaRuntimeError", "LuaSyntaxError", "MemoryLimitExceeded",
    "MemoryStore", "NoSuchTable", "PostgresStore", "Result", "SQLiteStore", "Sandbox", "SandboxClosed", "Stats",
    "Store", "StoreError", "StoreFailed", "TimeoutExceeded", "WasmComputeError",
]

"""The exceptions of wasm_compute: one family, subclasses to catch alone."""

from __future__ import annotations

from . import _abi


class WasmComputeError(Exception):
    """Base of every error this package raises."""


class SandboxClosed(WasmComputeError):
    """The sandbox was closed; make a new one."""


class LuaError(WasmComputeError):
    """An eval that did not succeed. `Result.error` holds one; `raise` it if you like.

    code: the ABI status (zig/ABI.md §5); name: its short name;
    message: Lua's message, e.g. "input:3: boom"; traceback: Lua's traceback or "".
    """

    name = "error"

    def __init__(self, code: int, message: str, traceback: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.traceback = traceback

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r})"

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "message": self.message, "traceback": self.traceback}


class LuaSyntaxError(LuaError):
    name = "syntax"


class LuaRuntimeError(LuaError):
    name = "runtime"


class LimitExceeded(LuaError):
    """A limit of the sandbox stopped the script."""


class MemoryLimitExceeded(LimitExceeded):
    name = "memory_limit"


class InstructionLimitExceeded(LimitExceeded):
    name = "instruction_limit"


class TimeoutExceeded(LimitExceeded):
    name = "timeout"


class CodeTooLarge(LimitExceeded):
    name = "code_size"


class StoreFailed(LuaError):
    """The `_home` store refused or failed; nothing of the eval was kept."""

    name = "store"


class EngineFailure(LuaError):
    """The WebAssembly instance trapped; it was replaced, `_home` is intact."""

    name = "trap"


_BY_CODE = {
    _abi.ERROR_COMPILE_FAILED: LuaSyntaxError,
    _abi.ERROR_RUNTIME_FAILED: LuaRuntimeError,
    _abi.ERROR_MEMORY_LIMIT: MemoryLimitExceeded,
    _abi.ERROR_INSTRUCTION_LIMIT: InstructionLimitExceeded,
    _abi.ERROR_TIMEOUT: TimeoutExceeded,
    _abi.ERROR_INVALID_SIZE: CodeTooLarge,
    _abi.ERROR_STORE_FAILED: StoreFailed,
    _abi.ERROR_TRAP: EngineFailure,
}


def error_for(code: int, message: str, traceback: str = "") -> LuaError:
    return _BY_CODE.get(code, LuaError)(code, message, traceback)

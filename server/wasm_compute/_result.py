"""What an eval gives back."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._errors import LuaError


@dataclass(frozen=True)
class Stats:
    """instructions: VM instructions used (ABI §4); heap bytes at the end and at the peak;
    elapsed_ms: wall time of the eval in the host."""

    instructions: int = 0
    heap_used: int = 0
    heap_peak: int = 0
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict:
        return {"instructions": self.instructions, "heap_used": self.heap_used,
                "heap_peak": self.heap_peak, "elapsed_ms": self.elapsed_ms}


@dataclass(frozen=True)
class Result:
    """output: the captured standard output as text (invalid UTF-8 replaced); output_bytes:
    its exact bytes; stderr, stderr_bytes: the same for standard error (`io.stderr`,
    warnings, the sandbox's notices); values: what the chunk returned, as Python values (a table becomes a list or a dict;
    keys a dict cannot tell apart, such as 1 and true, merge); raw_values: the same as the
    module sent them (bytes, LuaTable pairs in order), for exact encodings such as
    `_wire`; error: None or a LuaError."""

    output_bytes: bytes = b""
    values: list = field(default_factory=list)
    error: LuaError | None = None
    stats: Stats = field(default_factory=Stats)
    raw_values: list = field(default_factory=list, repr=False)
    stderr_bytes: bytes = b""

    @property
    def output(self) -> str:
        return self.output_bytes.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace")

    @property
    def ok(self) -> bool:
        return self.error is None

    def raise_for_error(self) -> "Result":
        if self.error is not None:
            raise self.error
        return self


def frozen(cls, fields: dict):
    """An instance of the frozen dataclass `cls` from a dict of every one of its fields.
    Its `__init__` sets each field through `object.__setattr__`, which made building the
    Stats and Result of a small eval a tenth of its time; the instance is the same."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj

"""Warm Sandboxes for the server's runs: `POST /api/run` borrows one instead of making one.

Making a Sandbox (a wasmtime store, an instance, its imports) costs about five times what
evaluating `return 1` in it does, and a request needs no instance of its own: every eval starts
from a fresh global environment and `_home` is the only state that outlives it (zig/ABI.md §1).
So each Sandbox of the pool keeps its instance across requests, with a MemoryStore of its own
that holds the request's `_home` and is emptied when the Sandbox comes back.

What does outlive a request is the instance's own, and the pool bounds it: its linear memory
never shrinks, so a Sandbox whose Lua heap peaked past `heap_bytes_max` in an eval is closed
instead of kept, and so is one whose borrower raised (an eval that trapped or timed out has
already had its instance replaced by the Sandbox). `os.clock` counts from the Sandbox's start,
as in any long-lived Sandbox: a script times itself by differences of it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from ._result import Result
from ._sandbox import Sandbox
from ._store_memory import MemoryStore

_MiB = 1024 * 1024

IDLE_SANDBOXES_MAX = 8  # as many as the server's threads run evals at once (gthread, waitress)
HEAP_BYTES_MAX = 8 * _MiB  # a Sandbox whose Lua heap peaked past this is not kept


class SandboxPool:
    """Sandboxes made by `make(store, limits)`, each over its own MemoryStore. Those with the
    pool's `limits` are kept idle (at most `idle_max`) between the requests that borrow them; a
    request with other limits gets a Sandbox of its own, closed after it. Safe from many
    threads; one borrower at a time per Sandbox."""

    def __init__(self, make: Callable[[MemoryStore, dict], Sandbox], limits: dict, *,
                 idle_max: int = IDLE_SANDBOXES_MAX, heap_bytes_max: int = HEAP_BYTES_MAX):
        self._make = make
        self.limits = limits
        self._idle: list[Borrowed] = []
        self._lock = threading.Lock()
        self.idle_max = idle_max
        self.heap_bytes_max = heap_bytes_max

    @contextlib.contextmanager
    def sandbox(self, home: list | None = None, limits: dict | None = None) -> Iterator["Borrowed"]:
        """A Sandbox with `limits` (None: the pool's) and its store, which holds `home`
        (entries of _homejson.parse), or nothing. The caller reads what it needs of the store
        before the block ends."""
        pooled = limits is None or limits == self.limits
        borrowed = None
        if pooled:
            with self._lock:
                borrowed = self._idle.pop() if self._idle else None
        if borrowed is None:
            store = MemoryStore()
            borrowed = Borrowed(self._make(store, self.limits if limits is None else limits), store)
        keep = False
        try:
            if home:
                borrowed.store.replace_tree(home)
            yield borrowed
            keep = pooled and borrowed.heap_peak_bytes <= self.heap_bytes_max
        finally:
            self._give_back(borrowed, keep)

    def _give_back(self, borrowed: "Borrowed", keep: bool) -> None:
        if keep:
            borrowed.store.replace_tree([])
            with self._lock:
                if len(self._idle) < self.idle_max:
                    self._idle.append(borrowed)
                    return
        borrowed.sandbox.close()


class Borrowed:
    """A Sandbox of the pool and its store. `eval` is the Sandbox's, noting how large the
    Lua heap grew: the largest heap of every eval is the most the instance's memory holds
    (asking the instance instead costs as much as evaluating `return 1`)."""

    def __init__(self, sandbox: Sandbox, store: MemoryStore):
        self.sandbox = sandbox
        self.store = store
        self.heap_peak_bytes = 0

    def eval(self, code, **kwargs) -> Result:
        result = self.sandbox.eval(code, **kwargs)
        self.heap_peak_bytes = max(self.heap_peak_bytes, result.stats.heap_peak)
        return result

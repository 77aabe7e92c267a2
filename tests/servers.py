"""Servers for the tests: `wasm-compute serve` as a process, and a waitress stop."""

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest


def serve_command(data_dir, *options: str) -> list:
    exe = Path(sys.executable).parent / "wasm-compute"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "wasm_compute.cli"]
    return cmd + ["serve", "--port", "0", "--data", str(data_dir), *options]


@contextlib.contextmanager
def serve_process(data_dir, *options: str):
    """`wasm-compute serve` on a free port, in a process group of its own (with --workers, the
    server is a master and its workers: os.killpg(proc.pid, ...) kills them all); yields
    (process, port)."""
    proc = subprocess.Popen(serve_command(data_dir, *options), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            pytest.fail("the server printed no URL within 60 s")
        match = re.fullmatch(r"wasm-compute playground: http://127\.0\.0\.1:(\d+)/\n", line)
        assert match, line
        yield proc, int(match.group(1))
    finally:
        if proc.poll() is None:
            proc.terminate()  # gunicorn's master stops its workers first
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # workers left by a master that was killed
        proc.stdout.close()
        proc.stderr.close()


def stop_waitress(httpd, thread):
    """Closes the listening socket, the open connections and the trigger from inside the
    server's loop, which then ends at once (closing them from this thread would leave the
    loop polling closed descriptors). The server must have a map of its own
    (`create_server(..., map={})`): with waitress's shared default, this would close
    every other server's sockets too."""
    def close_all():
        for dispatcher in list(httpd._map.values()):
            dispatcher.close()

    try:
        httpd.trigger.pull_trigger(close_all)
    except OSError:
        # The trigger's descriptor is gone (seen rarely under load, after another server of
        # the session closed its own): nothing can wake the loop, so the sockets are closed
        # from here, and the loop ends at its next poll.
        close_all()
    thread.join(timeout=10)
    httpd.task_dispatcher.shutdown()

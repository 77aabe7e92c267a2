"""The `wasm-compute` command: run a file, or a REPL, with `_home` in memory, SQLite or
PostgreSQL; serve the playground, or export a static copy of it."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import math
import os
import shutil
import sys
from pathlib import Path

from . import _abi, _admission
from ._sandbox import Sandbox
from ._store import DEFAULT_HOME, StoreError, open_store


def format_value(value) -> str:
    """A result value as Lua would show it (floats keep their ".0")."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return "{" + ", ".join(_format_nested(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_format_key(k)} = {_format_nested(v)}" for k, v in value.items()) + "}"
    return str(value)


def _format_float(x: float) -> str:
    if math.isnan(x):
        return "nan" if math.copysign(1, x) > 0 else "-nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    s = "%.14g" % x
    return s + ".0" if all(ch in "-0123456789" for ch in s) else s


def _format_nested(value) -> str:
    if isinstance(value, (str, bytes)) and not isinstance(value, _abi.LuaObject):
        return _quote(value)
    return format_value(value)


def _format_key(key) -> str:
    if isinstance(key, str) and key.isidentifier() and key.isascii():
        return key
    return f"[{_format_nested(key)}]"


def _quote(s: str | bytes) -> str:
    if isinstance(s, bytes):
        s = s.decode("utf-8", "backslashreplace")
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_MiB = 1024 * 1024


def _make_sandbox(args, code_bytes: int = 0, input_bytes: int = 0) -> Sandbox:
    """The command's sandbox. The file and the input are the user's own, on their own
    machine: the limits on their sizes grow to fit them (the other limits stand)."""
    return Sandbox(home=open_store(args.home, args.home_name), timeout_ms=args.timeout_ms,
                   code_bytes_max=max(_MiB, code_bytes), input_bytes_max=max(_MiB, input_bytes))


def _read_stdin() -> bytes:
    """This command's standard input, whole, for the script; a terminal (or none) gives
    an empty one: the script runs before anyone could type it."""
    stream = sys.stdin
    if stream is None or stream.closed or stream.isatty():
        return b""
    return stream.buffer.read()


def cmd_run(args) -> int:
    """As `lua FILE ARG...`: the chunk is named FILE, the arguments are `...` and `arg`,
    stdin is the script's, its stdout and stderr are ours (stdout first, after the run)."""
    try:
        with open(args.file, "rb") as f:
            code = f.read()
    except OSError as exc:
        print(f"wasm-compute: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    stdin = _read_stdin()
    with _make_sandbox(args, len(code), len(stdin)) as sb:
        r = sb.eval(code, stdin=stdin, args=[os.fsencode(a) for a in args.args], name=os.fsencode(args.file))
    sys.stdout.buffer.write(r.output_bytes)
    sys.stdout.flush()
    sys.stderr.buffer.write(r.stderr_bytes)
    sys.stderr.flush()
    if r.error is not None:
        print(f"wasm-compute: {r.error.message}", file=sys.stderr)
        if r.error.traceback:
            print(r.error.traceback, file=sys.stderr)
        return 1
    if args.values:
        for v in r.values:
            print(format_value(v))
    return 0


def cmd_repl(args) -> int:
    print("wasm-compute REPL (Lua 5.4): globals persist from line to line, as in lua; _home persists"
          f" {'in ' + args.home if args.home else 'until you quit'}. Ctrl-D quits.")
    with _make_sandbox(args) as sb:
        pending = ""
        while True:
            try:
                line = input(">> " if pending else "> ")
            except EOFError:
                print()
                return 0
            except KeyboardInterrupt:
                print()
                pending = ""
                continue
            source = pending + line
            # As lua.c: try the line as an expression first, then as a statement; the
            # chunk is "stdin", and each line sees the globals of the lines before.
            r = sb.eval("return " + source, name="stdin", keep_globals=True)
            if r.error is not None and r.error.name == "syntax":
                r = sb.eval(source, name="stdin", keep_globals=True)
            if r.error is not None and r.error.name == "syntax" and r.error.message.endswith("<eof>"):
                pending = source + "\n"
                continue
            pending = ""
            sys.stdout.write(r.output)
            sys.stdout.flush()
            sys.stderr.write(r.stderr)
            if r.error is not None:
                # As lua's REPL: the message and its traceback, without the program's name.
                print(r.error.message, file=sys.stderr)
                if r.error.traceback:
                    print(r.error.traceback, file=sys.stderr)
            elif r.values:
                print("\t".join(format_value(v) for v in r.values))


def cmd_serve(args) -> int:
    try:
        from .app import serve
    except ImportError:
        print("wasm-compute: the playground server is not part of this build yet", file=sys.stderr)
        return 2
    workers = args.workers
    if workers is None:  # the number of cores, when gunicorn is there to run them
        workers = os.cpu_count() or 1
        if workers > 1 and importlib.util.find_spec("gunicorn") is None:
            print("wasm-compute: one worker (waitress): --workers needs gunicorn,"
                  " pip install 'wasm-compute[server]'", file=sys.stderr)
            workers = 1
    elif workers > 1 and importlib.util.find_spec("gunicorn") is None:
        print("wasm-compute: --workers needs gunicorn: pip install 'wasm-compute[server]'", file=sys.stderr)
        return 2
    limits = {name: getattr(args, name) for name in ("instructions_max", "timeout_ms", "memory_bytes_max",
                                                      "output_bytes_max") if getattr(args, name) is not None}
    admission = {name: getattr(args, name) for name in ADMISSION_SETTINGS}
    admission["trusted_proxies"] = args.trusted_proxy
    return serve(host=args.host, port=args.port, data_dir=args.data, debug=args.debug,
                 database=args.database, workers=workers, limits=limits, admission=admission)


# The serve options that become the Admission's settings (_admission.py; its DEFAULTS).
ADMISSION_SETTINGS = {
    "client_runs_max": "runs one client may have running or waiting at a time; past it a 429",
    "client_cpu_ms_per_minute": "CPU time a client's runs may use a minute (as much at once);"
                                " past it a 429 until it is paid back",
    "runs_max": "runs at once in each server process",
    "queue_max": "runs waiting for one of those, in each process (fair across clients); past it a 503",
    "queue_wait_ms": "how long a run may wait there; past it a 503",
    "client_shares_per_minute": "shares a client may make a minute (as many at once)",
    "client_share_bytes_per_day": "bytes a client may share a day (UTC)",
}


# A static copy of the playground: the page and its bundle (dist/ holds both workers), lua.wasm,
# Pyodide and the wheel the pyodide engine installs; the browser host's modules (web/*.js) go
# along for pages of their own.
EXPORT_PATHS = ("index.html", "style.css", "lua.wasm", "dist", "pyodide")


def cmd_export(args) -> int:
    """Writes the playground into a folder that any static file server can serve. There is no
    API there: the Server engine finds none and runs in Pyodide, and share links carry the
    code in their fragment (#code=...)."""
    from .app import default_web_dir

    web = default_web_dir()
    missing = [p for p in EXPORT_PATHS if not (web / p).exists()]
    if missing:
        print(f"wasm-compute: {web} has no {', '.join(missing)}: build the page first (./build.sh)", file=sys.stderr)
        return 2
    dest = Path(args.dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for rel in EXPORT_PATHS + tuple(sorted(p.name for p in web.glob("*.js"))):
            source, target = web / rel, dest / rel
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    except OSError as exc:
        print(f"wasm-compute: cannot export to {dest}: {exc}", file=sys.stderr)
        return 2
    print(f"wasm-compute: the playground is in {dest}; serve it with any static file server,"
          f" e.g. python -m http.server -d {dest}")
    return 0


RUN_DESCRIPTION = """Runs FILE as `lua FILE ARG...` would. The script's standard input is this
command's, read whole before the script starts when it is a file or a pipe; from a terminal it
is empty. Its standard output and standard error are written here after it ends, stdout
first. An error is reported on stderr as `wasm-compute: FILE:LINE: message` with its
traceback, and the exit status is 1."""


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a positive integer is needed, not {text!r}")
    return n


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"a non-negative integer is needed, not {text!r}")
    return n


def _network(text: str) -> str:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an address or a network (10.0.0.0/8) is needed, not {text!r}") from None
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wasm-compute", description="A sandboxed Lua 5.4 with a persistent _home.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (("run", "run a Lua file"), ("repl", "interactive Lua")):
        p = sub.add_parser(name, help=helptext, description=RUN_DESCRIPTION if name == "run" else None)
        if name == "run":
            p.add_argument("file", help="the Lua source file (its name is the chunk's: errors read FILE:3: ...)")
            # Everything after FILE is the script's, options too, as with lua.
            p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARG",
                           help="the script's arguments: ... and arg[1..n] (options go before FILE)")
            p.add_argument("--values", action="store_true",
                           help="print what the chunk returns, one value per line (lua prints nothing)")
        p.add_argument("--home", metavar="DB",
                       help="keep _home in this SQLite file or postgresql:// database (default: in memory)")
        p.add_argument("--home-name", metavar="NAME", default=DEFAULT_HOME,
                       help=f"which of the database's homes (default {DEFAULT_HOME!r})")
        p.add_argument("--timeout-ms", type=int, default=10_000, help="wall-clock limit per eval (default 10000)")
    p = sub.add_parser("serve", help="serve the playground")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data", metavar="DIR", default="data", help="where shares and state live (default ./data)")
    p.add_argument("--database", metavar="URL",
                   help="keep shares in this PostgreSQL database, e.g. postgresql://user@host/db"
                        " (default: SQLite under --data)")
    p.add_argument("--workers", type=_positive, default=None, metavar="N",
                   help="server processes (gunicorn) on the one port; 1: waitress in this process"
                        " (default: the number of cores)")
    p.add_argument("--debug", action="store_true", help="Flask's development server")
    limits = p.add_argument_group("the most a run may use (a request may ask for less)")
    for flag, default in (("--instructions-max", "1000000000"), ("--timeout-ms", "5000"),
                          ("--memory-bytes-max", "64 MiB"), ("--output-bytes-max", "1 MiB, each of stdout and stderr")):
        limits.add_argument(flag, type=_positive, metavar="N", help=f"default {default}")
    fair = p.add_argument_group("per-client limits (SECURITY.md); with --workers N, each process has its own")
    for name, helptext in ADMISSION_SETTINGS.items():
        default = _admission.DEFAULTS[name]
        fair.add_argument("--" + name.replace("_", "-"), type=_count if name == "queue_max" else _positive,
                          default=default, metavar="N", help=f"{helptext} (default {default})")
    fair.add_argument("--trusted-proxy", type=_network, action="append", default=[], metavar="ADDR",
                      help="a proxy (address or network) whose X-Forwarded-For or Forwarded names the client;"
                           " repeatable (default: none, the peer is the client)")
    p = sub.add_parser("export", help="write a static copy of the playground (no server needed)")
    p.add_argument("dir", help="the folder to write (files of an earlier export are replaced)")
    args = parser.parse_args(argv)
    handler = {"run": cmd_run, "repl": cmd_repl, "serve": cmd_serve, "export": cmd_export}[args.command]
    try:
        return handler(args)
    except (StoreError, ValueError) as exc:  # ValueError: a bad --home-name
        print(f"wasm-compute: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

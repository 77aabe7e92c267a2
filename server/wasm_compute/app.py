"""The playground server: the page (web/), `POST /api/run`, and share links.

    from wasm_compute.app import create_app
    app = create_app({"DATA_DIR": "/var/lib/wasm-compute"})

Routes
    GET  /                   web/index.html
    GET  /<path>             a file of web/ (no listings, no dot-files, no way out of web/),
                             Pyodide and the wasm-compute wheel (web/pyodide/) included
    POST /api/run            {"code", "home"?, "stdin"?, "args"?, "name"?, "modules"?, "limits"?}
                             -> {"output", "output_b64", "stderr", "stderr_b64", "values", "error", "home", "stats"}
                             stdin: the script's standard input (a string); args: its arguments
                             (a list of strings, `...` and arg[1..n]); name: its chunk name
                             (messages read `name:3: boom`; "input" by default); modules: an
                             object of module name -> Lua source that `require` finds (their
                             sources count toward MAX_CODE_BYTES with the code). Bytes that
                             are not UTF-8 come in code, stdin, args and name as {"b": base64}
                             (ABI §10). limits: lower limits for this run, of REQUEST_LIMITS
                             (e.g. {"instructions_max": 1000000}); above the server's, the
                             server's.
                             stderr holds io.stderr and warnings; a *_b64 field carries the
                             exact bytes when the text is not valid UTF-8 (else it is null).
    POST /api/share          {"code"?, "input"?, "files"?, "home"?} -> {"id", "url"}
                             files: the playground's files, [{"name": "util.lua", "code": ...}],
                             main.lua among them or given as "code" (old clients send "code"
                             alone); home: a snapshot of _home (typed JSON, ABI §10) to carry.
    GET  /api/share/<id>     {"id", "code", "input", "files"?, "home"?}   (code: main.lua; input:
                             the run's standard input, "" if none; files, all of them with
                             main.lua first, and home only when the share has them)
    GET  /s/<id>             the page (it fetches /api/share/<id> itself); 404 status for an unknown id
    GET  /?embed, /s/<id>?embed   the page's embed mode (editor, Run, output), which other sites
                             may frame: its Content-Security-Policy says frame-ancestors *
    GET  /api/health         {"ok": true}
    GET  /healthz            {"ok": true}: the process answers (touches no database)
    GET  /readyz             {"ok": true}, or a 503 naming why the shares database does not answer

Shares live in SQLite under DATA_DIR, or in PostgreSQL when DATABASE_URL is set (many app
servers, one database: server/README.md). A database that is down makes the requests that
need it 503s with the cause; the rest is served, and service resumes when it is back.

A client over its limits (_admission.py: runs in flight, CPU time, shares) gets a 429, and
a full server a 503, both with Retry-After, before the request reaches Flask.

The user's mistakes are 4xx with `{"error": {"message": ...}}`; a Lua error (or a
limit) is a 200 whose `error` is set; anything unexpected is a 500 with
`{"error": {"message": "internal error"}}` and the traceback in the log.

Under /s/, a path that is not a share id (it has a "/" or a ".") is the same as
at the root, so the page's relative URLs (lua.wasm, lua-worker.js, api/run)
work when it is opened as /s/<id>.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import mimetypes
import re
import sqlite3
import sys
import time
from pathlib import Path

from flask import Flask, Response, jsonify, request, send_file
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.security import safe_join

from . import _homejson
from ._admission import Admission, AdmissionMiddleware, run_threads_needed
from ._sandbox import Sandbox
from ._sandbox_pool import SandboxPool
from ._store import MemoryStore, StoreError
from ._shares_postgres import PostgresShareStore
from ._wire import base64_unless_text, encode_value

_MiB = 1024 * 1024

DEFAULT_SANDBOX_LIMITS = {
    "timeout_ms": 5_000,
    "instructions_max": 1_000_000_000,
    "memory_bytes_max": 64 * _MiB,
    "output_bytes_max": 1 * _MiB,
}

# The one inline script, web/index.html's first (the saved theme, and the start of lua.wasm's
# compilation and of the worker before any request), is allowed by the hash of its text, and no
# other inline script is: e2e/test_startup.py checks that this is that script's hash.
BOOT_SCRIPT_HASH = "sha256-5RmQjeFd4/0rmSXlRbXAxs7bY5oDKFT8rjgV8OLl5gQ="

# The pyodide engine runs under this policy as it is, in its worker too (a worker takes the
# policy of its script's response): Pyodide calls eval only to load packages with native
# code (their EM_ASM) or when Python asks it to run JavaScript text, neither of which the
# engine does, and WebAssembly needs 'wasm-unsafe-eval' alone. e2e/test_pyodide.py runs the
# engine under this policy.
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self' 'wasm-unsafe-eval' '{BOOT_SCRIPT_HASH}'; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

# The embed mode of the page (/?embed, /s/<id>?embed) may be framed by any site, and only it:
# the same policy otherwise. Its runs cannot reach the framing page (another origin).
EMBED_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Explicit types: the platform's mimetypes table differs between systems (and
# Python 3.11 still says application/javascript).
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".lua": "text/plain",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".woff2": "font/woff2",
}

# The limits a request to /api/run may lower for its run (its "limits" field).
REQUEST_LIMITS = ("instructions_max", "timeout_ms", "memory_bytes_max", "output_bytes_max")

SHARE_ID = re.compile(r"[A-Za-z0-9_-]{12}")
# A chunk of the page's bundle (esbuild --splitting: "[name]-[hash]", the hash 8 characters of
# base32 of the chunk's content), which never changes under the same name.
HASHED_CHUNK = re.compile(r"dist/[A-Za-z0-9_]+-[A-Z2-7]{8}\.js(\.map)?")
# The files of a share are Lua modules' files: `require("a.b")` finds the file a.b.lua.
FILE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\.lua")
MAIN_FILE = "main.lua"

MESSAGES = {
    400: "bad request",
    404: "not found",
    405: "method not allowed",
    413: "the request body is too large",
}


class ApiError(Exception):
    """A request the server refuses: its status and a message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def default_web_dir() -> Path:
    """The repository's web/ folder, else a `web` folder inside the package."""
    repo_web = Path(__file__).resolve().parents[2] / "web"
    if repo_web.is_dir():
        return repo_web
    return Path(__file__).resolve().parent / "web"


def create_app(config: dict | None = None) -> Flask:
    """The playground as a Flask app. config: DATA_DIR, DATABASE_URL (PostgreSQL for the
    shares; None: SQLite in DATA_DIR), WEB_DIR, MAX_CODE_BYTES (a run's code and modules, a
    share's files), MAX_INPUT_BYTES (a run's stdin), MAX_BODY_BYTES, MAX_SHARE_HOME_BYTES (the
    _home a share carries, as JSON), SANDBOX_LIMITS (Sandbox keyword arguments, over the
    defaults: the most a run may use; a request may ask for less), ADMISSION (Admission keyword
    arguments, _admission.py: per-client limits on runs and shares), plus any Flask setting."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(
        DATA_DIR="data",
        DATABASE_URL=None,
        WEB_DIR=None,
        MAX_CODE_BYTES=1 * _MiB,
        MAX_INPUT_BYTES=1 * _MiB,
        MAX_BODY_BYTES=8 * _MiB,
        MAX_SHARE_HOME_BYTES=1 * _MiB,
        SANDBOX_LIMITS={},
        ADMISSION={},
    )
    if config:
        app.config.update(config)
    cfg = app.config
    cfg["MAX_CONTENT_LENGTH"] = cfg["MAX_BODY_BYTES"]
    web_dir = Path(cfg["WEB_DIR"]) if cfg["WEB_DIR"] else default_web_dir()
    limits = {**DEFAULT_SANDBOX_LIMITS, "code_bytes_max": cfg["MAX_CODE_BYTES"],
              "input_bytes_max": cfg["MAX_INPUT_BYTES"], **cfg["SANDBOX_LIMITS"]}
    Sandbox(**limits).close()  # a bad limit fails here, not at the first run; loads the module
    shares = open_shares(cfg)
    # Warm Sandboxes for the runs (_sandbox_pool.py); the lambda reads the module's Sandbox when
    # the pool needs a new one, so a test that replaces it is obeyed.
    sandboxes = SandboxPool(lambda store, run_limits: Sandbox(home=store, **run_limits), limits)
    admission = Admission(**cfg["ADMISSION"])
    app.extensions["wasm_compute"] = {"web_dir": web_dir, "shares": shares, "limits": limits,
                                      "sandboxes": sandboxes, "admission": admission}

    app.json.sort_keys = False
    app.url_map.merge_slashes = False  # "//etc/passwd" is a 404, not a redirect
    # Admission first (after /s/ paths are resolved), so that a refusal costs the least.
    app.wsgi_app = _ShareAlias(AdmissionMiddleware(app.wsgi_app, admission, SECURITY_HEADERS))

    # ---- errors -------------------------------------------------------------

    def error_response(status: int, message: str) -> Response:
        response = jsonify({"error": {"message": message}})
        response.status_code = status
        return response

    @app.errorhandler(ApiError)
    def api_error(e: ApiError):
        return error_response(e.status, e.message)

    @app.errorhandler(StoreError)
    def store_error(e: StoreError):
        # A database that is down or refuses is the server's trouble, and passes: a 503. The
        # log gets the driver's whole message (the user's answer leaves out addresses).
        app.logger.warning("%s %s: %s (%s)", request.method, request.path, e, e.__cause__)
        return error_response(503, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if isinstance(e, MethodNotAllowed):
            allowed = allowed_methods()
            if not allowed - {"OPTIONS"}:
                return error_response(404, MESSAGES[404])
            response = error_response(405, MESSAGES[405])
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        message = MESSAGES.get(e.code, e.name.lower())
        if e.code == 413:
            message = f"the request body is larger than {cfg['MAX_BODY_BYTES']} bytes"
        return error_response(e.code or 500, message)

    @app.errorhandler(Exception)
    def internal_error(e: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal error")

    def allowed_methods() -> set[str]:
        """The methods the request's path answers. The static catch-all answers
        GET only for a file that exists: POST /nope is a 404, GET /api/run a 405."""
        adapter = app.url_map.bind_to_environ(request.environ)
        allowed = set(adapter.allowed_methods())
        try:
            endpoint, values = adapter.match(method="GET")
        except HTTPException:
            return allowed
        if endpoint == "static_file" and resolve(values["path"]) is None:
            allowed -= {"GET", "HEAD"}
        return allowed

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if request.endpoint in ("index", "share_page") and "embed" in request.args:
            response.headers["Content-Security-Policy"] = EMBED_CONTENT_SECURITY_POLICY
            del response.headers["X-Frame-Options"]
        return response

    # ---- the API ------------------------------------------------------------

    @app.get("/api/health")
    @app.get("/healthz")
    def health():
        return {"ok": True}

    @app.get("/readyz")
    def ready():
        shares.check()
        return {"ok": True}

    @app.post("/api/run")
    def run():
        body = json_object()
        code = code_field(body, typed=True)
        stdin = text_field(body, "stdin", typed=True)
        if stdin is not None and len(stdin) > cfg["MAX_INPUT_BYTES"]:
            raise ApiError(413, f"the input is {len(stdin)} bytes; the limit is {cfg['MAX_INPUT_BYTES']}")
        args = args_field(body)
        name = text_field(body, "name", typed=True)
        if name is not None and b"\0" in name:
            raise ApiError(400, 'the field "name" must not contain a NUL character')
        modules = modules_field(body, len(code))
        home = body.get("home")
        entries = None
        if home is not None:
            try:
                entries = _homejson.parse(home)
            except _homejson.HomeJSONError as e:
                raise ApiError(400, str(e)) from None
        with sandboxes.sandbox(entries, limits_field(body)) as sb:
            r = sb.eval(code, stdin=stdin, args=args, name=name, modules=modules)
            final_home = _homejson.dump(sb.store)
        return {
            "output": r.output,
            "output_b64": base64_unless_text(r.output_bytes),
            "stderr": r.stderr,
            "stderr_b64": base64_unless_text(r.stderr_bytes),
            "values": [encode_value(v) for v in r.raw_values],
            "error": r.error.to_dict() if r.error is not None else None,
            "home": final_home,
            "stats": r.stats.to_dict(),
        }

    @app.post("/api/share")
    def share_create():
        body = json_object()
        code, others = share_files_field(body)
        stdin = share_input_field(body)
        extra = share_extra(others, share_home_field(body))
        share_id = share_id_for(code.encode("utf-8"), stdin, extra)
        wanted = (code, stdin.decode("utf-8"), extra)
        stored = shares.put(share_id, *wanted)
        if stored != wanted:
            raise RuntimeError(f"share id collision on {share_id}")
        return {"id": share_id, "url": request.host_url + "s/" + share_id}

    @app.get("/api/share/<share_id>")
    def share_get(share_id: str):
        stored = shares.get(share_id) if SHARE_ID.fullmatch(share_id) else None
        if stored is None:
            raise ApiError(404, "no such share")
        code, stdin, extra = stored
        answer = {"id": share_id, "code": code, "input": stdin}
        if extra:
            more = json.loads(extra)
            if more.get("files"):
                answer["files"] = [{"name": MAIN_FILE, "code": code}, *more["files"]]
            if "home" in more:
                answer["home"] = more["home"]
        return answer

    def json_object() -> dict:
        # A JSON content type cannot be sent by a plain form of another site
        # without a CORS preflight, which this server never grants.
        if request.mimetype != "application/json":
            raise ApiError(415, 'the body must be JSON, sent as "Content-Type: application/json"')
        raw = request.get_data(cache=False)  # 413 past MAX_CONTENT_LENGTH
        try:
            data = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as e:
            raise ApiError(400, f"the body is not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the body must be a JSON object")
        return data

    def text_field(body: dict, field: str, *, typed: bool = False) -> bytes | None:
        """An optional string field, as UTF-8; None when absent or null. typed: bytes that are
        not UTF-8 may come as {"b": base64} too (typed_bytes)."""
        value = body.get(field)
        if value is None:
            return None
        return typed_bytes(value, f'the field "{field}"', typed=typed)

    def args_field(body: dict) -> list[bytes]:
        args = body.get("args")
        if args is None:
            return []
        if not isinstance(args, list) or not all(isinstance(a, (str, dict)) for a in args):
            raise ApiError(400, 'the field "args" must be a list of strings')
        return [typed_bytes(a, f'the field "args" (item {i + 1})', typed=True) for i, a in enumerate(args)]

    def limits_field(body: dict) -> dict:
        """The Sandbox limits of a run: the server's (the operator's ceilings), or lower where
        the optional "limits" object asks (REQUEST_LIMITS); more than the server's is the server's."""
        asked = body.get("limits")
        if asked is None:
            return limits
        if not isinstance(asked, dict) or not set(asked) <= set(REQUEST_LIMITS) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in asked.values()):
            raise ApiError(400, 'the field "limits" must be an object of positive integers named '
                                + ", ".join(REQUEST_LIMITS))
        return {**limits, **{name: min(value, limits[name]) for name, value in asked.items()}}

    def modules_field(body: dict, code_bytes: int) -> dict[bytes, bytes]:
        """zig/ABI.md §12: name -> source; the sources share MAX_CODE_BYTES with the code."""
        modules = body.get("modules")
        if modules is None:
            return {}
        if not isinstance(modules, dict) or not all(isinstance(s, str) for s in modules.values()):
            raise ApiError(400, 'the field "modules" must be an object of module names to source strings')
        out = {}
        for module_name, source in modules.items():
            key = _utf8(module_name, 'a module name in the field "modules"')
            if not key or b"\0" in key:
                raise ApiError(400, 'a module name in the field "modules" is empty or holds a NUL character')
            out[key] = _utf8(source, f'the field "modules" ({module_name!r})')
        total = code_bytes + sum(len(s) for s in out.values())
        if total > cfg["MAX_CODE_BYTES"]:
            raise ApiError(413, f"the code and its modules are {total} bytes; the limit is {cfg['MAX_CODE_BYTES']}")
        return out

    def code_field(body: dict, *, typed: bool = False) -> bytes:
        if "code" not in body:
            raise ApiError(400, 'the field "code" is missing')
        data = typed_bytes(body["code"], 'the field "code"', typed=typed)
        if len(data) > cfg["MAX_CODE_BYTES"]:
            raise ApiError(413, f"the code is {len(data)} bytes; the limit is {cfg['MAX_CODE_BYTES']}")
        return data

    def share_files_field(body: dict) -> tuple[str, list[dict]]:
        """main.lua's code and the other files of a share, from "files" and "code" (either may
        hold main.lua; both must then agree). The files' sizes add up to at most MAX_CODE_BYTES,
        as a run's code and modules do."""
        files = body.get("files")
        if files is None:
            return code_field(body).decode("utf-8"), []
        if not isinstance(files, list) or not all(
                isinstance(f, dict) and set(f) == {"name", "code"} and isinstance(f["name"], str)
                and isinstance(f["code"], str) for f in files):
            raise ApiError(400, 'the field "files" must be a list of {"name": string, "code": string}')
        names = [f["name"] for f in files]
        for name in names:
            if not FILE_NAME.fullmatch(name):
                raise ApiError(400, f"the file name {name!r} is not a Lua module's file name (e.g. util.lua)")
        if len(set(names)) != len(names):
            raise ApiError(400, 'the field "files" names a file twice')
        main = [f["code"] for f in files if f["name"] == MAIN_FILE]
        if "code" in body:
            code = code_field(body).decode("utf-8")
            if main and main[0] != code:
                raise ApiError(400, f'the field "code" and the file {MAIN_FILE} differ')
        elif main:
            code = main[0]
        else:
            raise ApiError(400, f'the share has no {MAIN_FILE}: give it in "files" or as "code"')
        others = [f for f in files if f["name"] != MAIN_FILE]
        total = len(_utf8(code, 'the field "code"')) + sum(
            len(_utf8(f["code"], f"the file {f['name']!r}")) for f in others)
        if total > cfg["MAX_CODE_BYTES"]:
            raise ApiError(413, f"the files are {total} bytes; the limit is {cfg['MAX_CODE_BYTES']}")
        return code, others

    def share_home_field(body: dict):
        """The optional _home snapshot of a share: typed JSON that loads (as POST /api/run's
        "home"), at most MAX_SHARE_HOME_BYTES as JSON."""
        home = body.get("home")
        if home is None:
            return None
        try:
            _homejson.load(MemoryStore(), home)
        except (_homejson.HomeJSONError, StoreError) as e:
            raise ApiError(400, f'the field "home": {e}') from None
        size = len(json.dumps(home, ensure_ascii=False).encode("utf-8"))
        if size > cfg["MAX_SHARE_HOME_BYTES"]:
            raise ApiError(413, f"the _home snapshot is {size} bytes; the limit is {cfg['MAX_SHARE_HOME_BYTES']}")
        return home

    def share_input_field(body: dict) -> bytes:
        """The optional "input" of a share (the standard input of its runs), at most
        MAX_INPUT_BYTES as a run's."""
        stdin = text_field(body, "input") or b""
        if len(stdin) > cfg["MAX_INPUT_BYTES"]:
            raise ApiError(413, f"the input is {len(stdin)} bytes; the limit is {cfg['MAX_INPUT_BYTES']}")
        return stdin

    # ---- the page -----------------------------------------------------------

    def resolve(path: str) -> Path | None:
        """The file of web/ at `path`, or None: no "..", no absolute paths, no
        dot-files, no directories."""
        if not path or "\x00" in path or "\\" in path or path.startswith("/"):
            return None
        if any(part == "" or part.startswith(".") for part in path.split("/")):
            return None
        joined = safe_join(str(web_dir), path)
        if joined is None:
            return None
        file = Path(joined)
        return file if file.is_file() else None

    def send_static(path: str) -> Response:
        file = resolve(path)
        if file is None:
            if request.endpoint == "static_file" and allowed_methods() - {"OPTIONS"}:
                raise MethodNotAllowed()  # GET /api/run: a route, for other methods
            raise ApiError(404, MESSAGES[404])
        response = send_file(file, mimetype=content_type(file.name), conditional=True, etag=True, max_age=None)
        # Revalidated every time (ETag, Last-Modified), Pyodide's files too: its
        # folder has no version in its path, and a rebuilt lua.wasm or an upgraded
        # Pyodide must not meet files of the old one in a browser's cache. The
        # bundle's chunks are the exception: their names carry a hash of their
        # content, so a browser keeps them without asking again (the page loads
        # faster; a rebuild that changes one changes its name).
        immutable = HASHED_CHUNK.fullmatch(path) is not None
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response

    @app.get("/")
    def index():
        return send_static("index.html")

    @app.get("/<path:path>", endpoint="static_file")
    def static_file(path: str):
        return send_static(path)

    @app.get("/s/<share_id>")
    def share_page(share_id: str):
        """The page for a share link. An unknown id still gets the page (so the
        user sees the playground and its message), with status 404."""
        known = SHARE_ID.fullmatch(share_id) is not None and shares.get(share_id) is not None
        if known:
            return send_static("index.html")
        page = resolve("index.html")
        if page is None:
            raise ApiError(404, MESSAGES[404])
        response = Response(page.read_bytes(), status=404, mimetype="text/html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    return app


def open_shares(cfg):
    """The share store the config names: PostgreSQL at DATABASE_URL, else SQLite in DATA_DIR
    (made when missing)."""
    if cfg.get("DATABASE_URL"):
        return PostgresShareStore(cfg["DATABASE_URL"])
    data_dir = Path(cfg["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    return ShareStore(data_dir / "shares.db")


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def share_id_for(code: bytes, stdin: bytes = b"", extra: str = "") -> str:
    """The first 12 characters of the URL-safe base64 of sha256(code), or with an input of
    sha256(code NUL input), or with other files or _home (`extra`, share_extra) of
    sha256(code NUL input NUL extra): a share keeps the id it had before inputs and files."""
    content = code if not stdin else code + b"\0" + stdin
    if extra:
        content = code + b"\0" + stdin + b"\0" + extra.encode("utf-8")
    return base64.urlsafe_b64encode(hashlib.sha256(content).digest()).decode("ascii")[:12]


def share_extra(files: list[dict], home) -> str:
    """What a share holds beyond main.lua and its input, as stored: JSON with the other files
    (in the order given) and the _home snapshot, each only when there is one; "" for neither,
    as the shares from before files have."""
    extra = {}
    if files:
        extra["files"] = [{"name": f["name"], "code": f["code"]} for f in files]
    if home is not None:
        extra["home"] = home
    return json.dumps(extra, ensure_ascii=False, separators=(",", ":")) if extra else ""


def typed_bytes(value, what: str, *, typed: bool) -> bytes:
    """A string of a request as bytes: a JSON string (as UTF-8), or with typed=True also the
    typed JSON string of zig/ABI.md §10 for bytes that are not UTF-8, {"b": base64}, as the
    page sends a Uint8Array (web/abi.js `requestJson`)."""
    if isinstance(value, str):
        return _utf8(value, what)
    if typed and isinstance(value, dict) and set(value) == {"b"} and isinstance(value["b"], str):
        try:
            return base64.b64decode(value["b"], validate=True)
        except ValueError:  # binascii.Error, or a character that is not ASCII
            raise ApiError(400, f"{what} is not valid base64") from None
    raise ApiError(400, f"{what} must be a string" + (' or {"b": base64}' if typed else ""))


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"{what} is not valid Unicode (a lone surrogate)") from None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class _ShareAlias:
    """WSGI middleware: /s/<path> is /<path> unless <path> is one segment
    without a dot (a share id, valid or not)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/s/"):
            rest = path[3:]
            if "/" in rest or "." in rest or rest == "":
                environ = {**environ, "PATH_INFO": "/" + rest}
        return self.wsgi_app(environ, start_response)


class ShareStore:
    """Shared code, its input and the rest of the share (share_extra) in SQLite (WAL), one
    connection per call: safe from several threads and processes."""

    def __init__(self, path: Path, timeout_s: float = 30.0):
        self.path = path
        self.timeout_s = timeout_s
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")

    @contextlib.contextmanager
    def _connect(self):
        # A data dir that vanished and came back gets its table again; a
        # failure is the server's (503), with the reason, not a bare 500.
        try:
            db = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except sqlite3.Error as e:
            raise ApiError(503, f"shares are unavailable: {e}") from None
        try:
            db.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            db.execute("CREATE TABLE IF NOT EXISTS shares(id TEXT PRIMARY KEY, code TEXT NOT NULL, created REAL, "
                       "input TEXT NOT NULL DEFAULT '', extra TEXT NOT NULL DEFAULT '')")
            # A database made before shares had an input, or other files, gets the column
            # (empty for old shares).
            columns = {row[1] for row in db.execute("PRAGMA table_info(shares)")}
            for column in ("input", "extra"):
                if column not in columns:
                    db.execute(f"ALTER TABLE shares ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
            yield db
        except sqlite3.Error as e:
            raise ApiError(503, f"shares are unavailable: {e}") from None
        finally:
            db.close()

    def put(self, share_id: str, code: str, stdin: str = "", extra: str = "") -> tuple[str, str, str]:
        """Stores `code`, its input and the rest (share_extra) under `share_id` unless it is
        there; returns what is stored, (code, input, extra)."""
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO shares(id, code, created, input, extra) VALUES (?, ?, ?, ?, ?)",
                       (share_id, code, time.time(), stdin, extra))
            return tuple(db.execute("SELECT code, input, extra FROM shares WHERE id = ?", (share_id,)).fetchone())

    def get(self, share_id: str) -> tuple[str, str, str] | None:
        """(code, input, extra) of `share_id`, or None."""
        with self._connect() as db:
            row = db.execute("SELECT code, input, extra FROM shares WHERE id = ?", (share_id,)).fetchone()
        return tuple(row) if row else None

    def check(self) -> None:
        """Raises a 503 ApiError when the database cannot be read (for /readyz, and at the start)."""
        with self._connect() as db:
            db.execute("SELECT count(*) FROM shares").fetchone()

    def close(self) -> None:
        """Nothing stays open between calls."""


def _url(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: str = "data", debug: bool = False,
          database: str | None = None, workers: int = 1, limits: dict | None = None,
          admission: dict | None = None) -> int:
    """Runs the playground: waitress for one worker, gunicorn's forked workers (_gunicorn.py)
    for more, or Flask's development server with debug=True; each has the threads its admission
    needs (run_threads_needed). Shares go to the PostgreSQL at `database`, else SQLite in
    data_dir. limits: SANDBOX_LIMITS, admission: ADMISSION (create_app). Prints the URL (with
    the real port when port is 0)."""
    config = {"DATA_DIR": data_dir, "DATABASE_URL": database, "SANDBOX_LIMITS": limits or {},
              "ADMISSION": admission or {}}
    if workers > 1 and not debug:
        from ._gunicorn import serve_workers
        return serve_workers(host, port, config, workers)
    try:
        app = create_app(config)
        app.extensions["wasm_compute"]["shares"].check()  # a database that does not answer stops the start
        if debug:
            from werkzeug.serving import make_server
            app.debug = True
            server = make_server(host, port, app, threaded=True)
            real_port, run, close = server.port, server.serve_forever, server.server_close
        else:
            import waitress
            # Waitress drops X-Forwarded-For and Forwarded unless told not to; the admission
            # reads them from the proxies it trusts (and from no one else).
            admission = config["ADMISSION"]
            server = waitress.create_server(app, host=host, port=port, threads=run_threads_needed(**admission),
                                            clear_untrusted_proxy_headers=not admission.get("trusted_proxies"),
                                            max_request_body_size=app.config["MAX_BODY_BYTES"])
            if hasattr(server, "effective_port"):
                real_port = server.effective_port
            else:  # several sockets (e.g. "localhost" on IPv4 and IPv6)
                real_port = server.effective_listen[0][1]
            run, close = server.run, server.close
    except (OSError, sqlite3.Error, StoreError, ApiError, ValueError) as e:  # ValueError: a bad limit
        print(f"wasm-compute: cannot serve on {host}:{port}: {e}", file=sys.stderr)
        return 2
    try:
        print(f"wasm-compute playground: {_url(host, real_port)}", flush=True)
        run()
    except KeyboardInterrupt:
        pass
    finally:
        close()
    return 0

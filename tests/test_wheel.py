"""The wheel: `pip install`ed into a fresh virtualenv it runs with nothing of the build
(no Zig, no Node, lua.wasm inside), and it is what the pyodide engine loads in the browser
(build.sh adds it to Pyodide's lock): a pure-Python wheel of the whole package, importable
where neither wasmtime nor sqlite3 is (as in Pyodide)."""

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "wasm_compute"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel as `pip wheel .` makes it from this checkout (lua.wasm built by ./build.sh)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    wheels = list(out.glob("wasm_compute-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_holds_the_package(wheel):
    assert wheel.name.endswith("-py3-none-any.whl")  # pure Python: Pyodide installs it as it is
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    for module in PACKAGE.glob("*.py"):
        assert f"wasm_compute/{module.name}" in names
    assert "wasm_compute/_engine_pyodide.py" in names
    assert archive.read("wasm_compute/lua.wasm") == (PACKAGE / "lua.wasm").read_bytes()


def test_the_dependencies_are_not_asked_of_pyodide(wheel):
    """Pyodide's lock has neither wasmtime (the browser runs lua.wasm) nor Flask and waitress
    (nothing is served there): each requirement is marked for other platforms, so the lock
    entry build.sh makes, and micropip, ask for none of them."""
    from packaging.requirements import Requirement

    archive = zipfile.ZipFile(wheel)
    metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    requires = [Requirement(r) for r in Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")]
    unconditional = {r.name for r in requires if r.marker is None or r.marker.evaluate({"extra": ""})}
    assert {"wasmtime", "flask", "waitress"} <= unconditional  # here, on Linux
    pyodide = {"sys_platform": "emscripten", "platform_system": "Emscripten", "extra": ""}
    assert [r.name for r in requires if r.marker is None or r.marker.evaluate(pyodide)] == []


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory):
    """A fresh virtualenv with the wheel installed, whose bin/ is the only PATH its commands
    get (no Zig, no Node). No network is assumed: the dependencies (wasmtime, Flask,
    waitress and theirs) are the ones this interpreter has, and pip, with no index, must
    find every one of them; wasm_compute itself can only come from the wheel."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    python = folder / "venv" / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # This interpreter's site-packages less the project's own (its editable install) and
    # its .pth files, linked entry by entry into a folder a .pth of the venv appends to
    # sys.path: after the venv's own site-packages, where the wheel goes.
    dependencies = folder / "dependencies"
    dependencies.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("wasm_compute", "__editable__")) and entry.suffix != ".pth":
            (dependencies / entry.name).symlink_to(entry)
    (Path(purelib) / "project-dependencies.pth").write_text(f"{dependencies}\n")
    installed = run_in(folder / "venv", "python", "-m", "pip", "install", "--no-index", str(wheel))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert b"Successfully installed wasm-compute-" in installed.stdout, installed.stdout
    return folder / "venv"


def run_in(venv, *command, stdin=None, cwd=None):
    """`command` in the venv, with none of this process's environment (its PYTHONPATH would
    show pip and Python this checkout's wasm_compute)."""
    env = {"PATH": str(venv / "bin"), "HOME": os.environ.get("HOME", "/tmp"), "LC_ALL": "C.UTF-8"}
    return subprocess.run(command, input=stdin, cwd=cwd, env=env, capture_output=True, timeout=120)


def test_the_installed_wheel_is_what_runs(venv):
    out = run_in(venv, "python", "-c",
                 "import wasm_compute, wasm_compute.cli as c; print(wasm_compute.__file__); print(c.__file__)")
    assert out.returncode == 0, out.stderr
    for line in out.stdout.decode().splitlines():
        assert Path(line).is_relative_to(venv), line
    check = run_in(venv, "python", "-m", "pip", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_wasm_compute_run_in_the_venv(venv, tmp_path):
    script = tmp_path / "f.lua"
    script.write_text('local line = io.read("l")\n'
                      'print(#arg, arg[0], arg[1], ...)\n'
                      'print(line:upper(), io.read("n") * 2)\n'
                      'error("stop here")\n')
    out = run_in(venv, "wasm-compute", "run", "f.lua", "x", stdin=b"hello\n21\n", cwd=tmp_path)
    assert out.stdout == b"1\tf.lua\tx\tx\nHELLO\t42\n"
    assert out.returncode == 1
    assert out.stderr.decode().startswith("wasm-compute: f.lua:4: stop here\n")


def test_a_sandbox_eval_in_the_venv(venv):
    code = ("from wasm_compute import Sandbox\n"
            "sb = Sandbox({'n': 40})\n"
            "r = sb.eval('_home.n = _home.n + 1 print(_VERSION) return _home.n + 1, {1, 2}')\n"
            "print(repr((r.output, r.values, r.error, dict(sb.home))))\n")
    out = run_in(venv, "python", "-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode() == repr(("Lua 5.4\n", [42, [1, 2]], None, {"n": 41})) + "\n"


def test_the_package_imports_without_wasmtime_or_sqlite3():
    """What Pyodide has: no wasmtime (the server's engine), no sqlite3 unless loaded, none of
    the server extra (psycopg, gunicorn)."""
    code = (
        "import json, sys\n"
        "sys.modules['wasmtime'] = None\n"
        "sys.modules['sqlite3'] = None\n"
        "sys.modules['flask'] = None\n"
        "for name in ('psycopg', 'psycopg_pool', 'gunicorn'): sys.modules[name] = None\n"
        "import wasm_compute\n"
        "from wasm_compute import MemoryStore, Sandbox, _homejson, _wire\n"
        "store = MemoryStore({'n': 1})\n"
        "print(json.dumps(_homejson.dump(store)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == {"t": [["n", {"i": "1"}]]}


def test_pyodide_lock_lists_the_served_wheel():
    """build.sh adds the wheel to Pyodide's lock (pyodide lockfile add-wheels), so the pyodide
    engine loads it with loadPackage("wasm-compute"): the entry names the wheel served beside
    the lock, with its sha256 and no dependency, and Pyodide's own packages are all kept."""
    import hashlib

    served = ROOT / "web" / "pyodide"
    lock = json.loads((served / "pyodide-lock.json").read_text())
    original = json.loads((ROOT / "web" / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["wasm-compute"]
    wheel = served / entry["file_name"]
    assert wheel.name.startswith("wasm_compute-") and wheel.name.endswith("-py3-none-any.whl")
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert (entry["depends"], entry["imports"]) == ([], ["wasm_compute"])
    assert lock["info"] == original["info"]
    assert {k: v for k, v in lock["packages"].items() if k != "wasm-compute"} == original["packages"]
    # The wheel build.sh built from this tree.
    assert wheel.read_bytes() == next((ROOT / "build" / "wheel").glob("wasm_compute-*.whl")).read_bytes()

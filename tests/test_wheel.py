"""The wheel the pyodide engine installs in the browser (build.sh serves it as
web/python/wasm_compute.whl): a pure-Python wheel of the whole package, importable where
neither wasmtime nor sqlite3 is (as in Pyodide)."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "wasm_compute"


def test_the_wheel_builds_and_holds_the_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheels = list(tmp_path.glob("wasm_compute-*.whl"))
    assert len(wheels) == 1, wheels
    assert wheels[0].name.endswith("-py3-none-any.whl")  # pure Python: Pyodide installs it as it is
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for module in PACKAGE.glob("*.py"):
        assert f"wasm_compute/{module.name}" in names
    assert "wasm_compute/_engine_pyodide.py" in names


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

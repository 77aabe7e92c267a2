#!/usr/bin/env bash
# The whole build on a fresh machine; `./build.sh test` then runs every test,
# `./build.sh serve` starts the playground.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

LUA_VERSION=5.4.8
# Pyodide's version is pinned in web/package.json (and its lock); these are the files of it the
# page serves, beside its lock with the wasm-compute wheel added (pyodide_lock).
PYODIDE_FILES="pyodide.mjs pyodide.asm.mjs pyodide.asm.wasm python_stdlib.zip"
# The tools that add the wheel to Pyodide's lock; they need Python 3.12 or later.
PYODIDE_TOOLS="pyodide-build==0.39.2 pyodide-lock[wheel]==0.2.1"
# Lua's official sources, with its test suite, as the lupa 2.8 sdist carries them.
LUPA_URL=https://files.pythonhosted.org/packages/c3/a6/0f869fbb07c393f15473b1eefefb7b5bec162fb7481803d040ed4dc46002/lupa-2.8.tar.gz
LUPA_SHA256=d8022641b9ec8ecf2c5ecbe9f47e5a70e0b87c4b5ae921b92cb02a638e0acd08
ZIG_VERSION=0.17.0

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

python_env() {
  if [ ! -x .venv/bin/python ]; then
    step "creating .venv"
    python3 -m venv .venv
  fi
  local stamp=.venv/.installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    step "installing the Python package and its tools"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test,server]" "ziglang==$ZIG_VERSION"
    touch "$stamp"
  fi
}

lua_source() {
  local dir=lua/lua-$LUA_VERSION
  [ -f "$dir/lua.h" ] && return
  step "fetching Lua $LUA_VERSION (lupa 2.8 sdist) and checking its sha256"
  mkdir -p lua/downloads
  local archive=lua/downloads/lupa-2.8.tar.gz
  if [ ! -f "$archive" ] || ! echo "$LUPA_SHA256  $archive" | sha256sum -c --status; then
    curl -fsSL --retry 3 -o "$archive.part" "$LUPA_URL"
    mv "$archive.part" "$archive"
  fi
  echo "$LUPA_SHA256  $archive" | sha256sum -c --quiet
  rm -rf "$dir.part" && mkdir -p "$dir.part"
  tar -xzf "$archive" -C "$dir.part" --strip-components=3 lupa-2.8/third-party/lua54
  grep -q "LUA_VERSION_RELEASE\s*\"8\"" "$dir.part/lua.h"
  mv "$dir.part" "$dir"
}

wasm() {
  step "building lua.wasm"
  (cd zig && "$root/.venv/bin/python" -m ziglang build --release=fast --summary none)
  # binaryen's wasm-opt (from web/'s npm packages) makes it ~10% smaller and a little faster.
  local out=zig/zig-out/bin/lua.opt.wasm
  if [ ! -f "$out" ] || [ zig/zig-out/bin/lua.wasm -nt "$out" ]; then
    node web/node_modules/binaryen/bin/wasm-opt -O3 --enable-exception-handling --enable-bulk-memory \
      --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
      --enable-multivalue --enable-reference-types zig/zig-out/bin/lua.wasm -o "$out"
  fi
  # -C keeps an unchanged copy as it is: its date says when lua.wasm last changed (see wheel).
  install -C -m 644 "$out" web/lua.wasm
  install -C -m 644 "$out" server/wasm_compute/lua.wasm
}

web_packages() {
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    step "installing the page's npm packages"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

web_bundle() {
  step "bundling the playground (npm, esbuild)"
  (cd web && npm run --silent build)
}

# Pyodide, served as web/pyodide/ for the pyodide engine: copied from the npm package, never
# fetched at run time. An unchanged file is not copied again.
pyodide_files() {
  mkdir -p web/pyodide
  local name
  for name in $PYODIDE_FILES; do
    cmp -s "web/node_modules/pyodide/$name" "web/pyodide/$name" ||
      install -m 644 "web/node_modules/pyodide/$name" "web/pyodide/$name"
  done
}

# The package as a pure-Python wheel: build/wheel/, served under its own name in web/pyodide/,
# where Pyodide's lock lists it (pyodide_lock). Built again only when a file that goes into it
# changed.
wheel() {
  local out
  out=$(compgen -G "web/pyodide/wasm_compute-*.whl" | head -n 1 || true)
  if [ -n "$out" ] &&
    [ -z "$(find server/wasm_compute pyproject.toml README.md -type f -newer "$out" -not -path '*/__pycache__/*' -print -quit)" ]; then
    return
  fi
  step "building the wasm_compute wheel"
  rm -rf build/lib build/wheel  # setuptools would keep a deleted module in build/lib
  mkdir -p build
  # setuptools' notes are noise here; they are shown when the build fails.
  if ! .venv/bin/python -m pip wheel --quiet --no-deps -w build/wheel . >build/wheel.log 2>&1; then
    cat build/wheel.log >&2
    return 1
  fi
  rm -f web/pyodide/wasm_compute-*.whl
  install -m 644 build/wheel/wasm_compute-*-py3-none-any.whl web/pyodide/
}

# A Python of 3.12 or later for pyodide_env: the first of python3.13, python3.12 and python3
# on the PATH, then pyenv's versions, that is one.
newer_python() {
  local candidate
  for candidate in python3.13 python3.12 python3 "$(pyenv root 2>/dev/null)"/versions/3.1[2-9]*/bin/python3; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      echo "$candidate"
      return
    fi
  done
  return 1
}

# .venv-pyodide: pyodide-build and pyodide-lock, apart from .venv (whose Python may be older).
pyodide_env() {
  local stamp=.venv-pyodide/.installed
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PYODIDE_TOOLS" ] && return
  local python
  if ! python=$(newer_python); then
    echo "build.sh: pyodide-build needs Python 3.12 or later; none was found (python3.12, python3.13, pyenv)" >&2
    return 1
  fi
  step "creating .venv-pyodide ($PYODIDE_TOOLS)"
  rm -rf .venv-pyodide
  mkdir -p build
  "$python" -m venv .venv-pyodide
  # shellcheck disable=SC2086  # one argument per requirement
  if ! .venv-pyodide/bin/python -m pip install --quiet $PYODIDE_TOOLS >build/pyodide-env.log 2>&1; then
    cat build/pyodide-env.log >&2
    return 1
  fi
  echo "$PYODIDE_TOOLS" >"$stamp"
}

# The served lock, web/pyodide/pyodide-lock.json: Pyodide's own with the wheel added by
# `pyodide lockfile add-wheels` (its sha256, its imports, its dependencies resolved in the
# lock), so the pyodide engine loads it by name: pyodide.loadPackage("wasm-compute").
pyodide_lock() {
  local lock=web/pyodide/pyodide-lock.json source=web/node_modules/pyodide/pyodide-lock.json
  local wheels=(web/pyodide/wasm_compute-*-py3-none-any.whl)
  [ -f "$lock" ] && [ "$lock" -nt "${wheels[0]}" ] && [ "$lock" -nt "$source" ] && return
  pyodide_env
  step "adding the wheel to Pyodide's lock (pyodide lockfile add-wheels)"
  mkdir -p build
  # The wheel's path is written relative to --base-path, so both are absolute.
  if ! .venv-pyodide/bin/pyodide lockfile add-wheels --input "$source" --output "$lock.part" \
      --base-path "$root/web/pyodide" "$root/${wheels[0]}" >build/pyodide-lock.log 2>&1; then
    cat build/pyodide-lock.log >&2
    return 1
  fi
  mv "$lock.part" "$lock"
}

# The npm package `wasm-compute`, assembled in build/npm/ from web/npm/ (its package.json,
# entry, declarations and README) and web/'s modules and lua.wasm, and packed as
# build/wasm-compute-VERSION.tgz. Nothing of it is committed twice: web/ is its source.
npm_package() {
  step "assembling the npm package (build/npm)"
  rm -rf build/npm && mkdir -p build/npm
  install -m 644 web/npm/package.json web/npm/index.js web/npm/index.d.ts web/npm/README.md \
    web/*.js web/lua.wasm LICENSE build/npm/
  rm -f build/wasm-compute-*.tgz
  (cd build && npm pack ./npm --silent >/dev/null)
}

# Debian's package $1, from apt-get (through sudo unless root).
debian_package() {
  step "installing $1 (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
chromium_installed() {
  command -v chromium >/dev/null || debian_package chromium
}

# PostgreSQL's server programs (Debian's package): the tests and the benchmark start throwaway
# clusters of their own with them (tests/pgcluster.py); nothing runs as a service.
postgresql_installed() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || debian_package postgresql
}

# wrk: the benchmark's HTTP load generator (bench/harness/httpload.py), one event loop in C, so
# that the client takes little of the cores it shares with the server.
wrk_installed() {
  command -v wrk >/dev/null || debian_package wrk
}

build() {
  postgresql_installed
  wrk_installed
  python_env
  lua_source
  web_packages
  wasm
  web_bundle
  pyodide_files
  wheel
  pyodide_lock
  npm_package
}

case "${1:-build}" in
  build)
    build ;;
  test)
    build
    chromium_installed
    step "running the tests"
    shift
    .venv/bin/python -m pytest -q "$@" ;;
  serve)
    build
    shift
    exec .venv/bin/wasm-compute serve "$@" ;;
  *)
    echo "usage: ./build.sh [build|test|serve]" >&2
    exit 2 ;;
esac

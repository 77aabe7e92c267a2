#!/usr/bin/env bash
# The whole build on a fresh machine; `./build.sh test` then runs every test,
# `./build.sh serve` starts the playground.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

LUA_VERSION=5.4.8
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
    .venv/bin/python -m pip install --quiet -e ".[test]" "ziglang==$ZIG_VERSION"
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
  install -m 644 zig/zig-out/bin/lua.wasm web/lua.wasm
  install -m 644 zig/zig-out/bin/lua.wasm server/wasm_compute/lua.wasm
}

web_bundle() {
  step "bundling the playground (npm, esbuild)"
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd web && npm run --silent build)
}

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
chromium_installed() {
  command -v chromium >/dev/null && return
  step "installing chromium (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

build() {
  python_env
  lua_source
  wasm
  web_bundle
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

"""The npm package `wasm-compute` as a user gets it: build.sh assembles it in build/npm/; here it
is packed (`npm pack`), installed from the tarball into a scratch project with no network
(`npm install --offline`: it has no dependencies), and then
- its declarations (index.d.ts) compile with TypeScript's strict checks against a program
  that uses every part of the API, refuse what the API refuses, and declare exactly the
  exports of index.js;
- a page that imports it is bundled by esbuild (its worker as a second entry point, lua.wasm
  copied beside the bundle, as the package's README says), served by `python -m http.server`,
  and runs scripts in Chromium, in the page and in the package's worker.
"""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import _watch, take_problems

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "build" / "npm"
NODE_MODULES = ROOT / "web" / "node_modules"

PAGE = """
import { createLua, HomeStore, LuaClient, multiple, STATUS } from "wasm-compute";

async function main() {
  const store = new HomeStore();
  store.load({ t: [["n", { i: "41" }]] });
  const lua = await createLua({
    store, limits: { instructionsMax: 1e7 },
    functions: { "shop.price": (sku, n) => multiple(BigInt(sku.length) * n, sku.toUpperCase()) },
    modules: { util: "return { twice = function(x) return 2 * x end }" },
  });
  const direct = lua.run('_home.n = _home.n + 1 local line = io.read("l") print(line, ...) return _home.n, {1, 2}',
                         { stdin: "from stdin\\n", args: ["a", "b"], name: "page.lua" });
  const called = lua.run('local util = require "util" return util.twice(shop.price("tea", 150))',
                         { modules: { extra: "return 1" } });
  const looping = lua.run("while true do end", { name: "loop.lua" });

  const client = new LuaClient({ storageKey: "npm-check:home" });
  client.setHome({ t: [] });
  const worker = await client.run('_home.seen = true print("in a worker", #arg) return 6 * 7', { args: ["x"] });
  const failed = await client.run('error("boom")', { name: "w.lua" });
  return { direct, called: called.values, home: store.dump(), looping: looping.error.code === STATUS.INSTRUCTION_LIMIT,
           worker, failed: failed.error.message, memory: lua.memoryStats() };
}

main().then((r) => { window.results = r; }, (e) => { window.results = { failure: String(e?.stack ?? e) }; });
"""

INDEX = """<!doctype html>
<meta charset="utf-8">
<title>wasm-compute from npm</title>
<link rel="icon" href="data:,">
<script type="module" src="dist/page.js"></script>
"""

# Every part of the API, typed; each @ts-expect-error line must be refused, or tsc fails.
CONSUMER = """
import {
  createLua, compileLua, wasmUrl, LuaClient, LuaHost, HomeStore, SnapshotError, STATUS, ENGINES, DEFAULT_LIMITS,
  requestJson, unbase64, encodeText, multiple, LuaMultiple, HAS_JSPI,
  type RunResult, type ClientResult, type TypedValue, type HomeSnapshot, type Engine, type LuaError, type Limits,
} from "wasm-compute";

export async function use(): Promise<string> {
  const module: WebAssembly.Module = await compileLua(wasmUrl);
  const store = new HomeStore();
  store.load({ t: [["n", { i: "1" }], ["f", { f: "nan" }], ["s", "text"], ["b", { b: "AA==" }], ["t", { t: [] }]] });
  const lua: LuaHost = await createLua({
    wasm: module, store, limits: { memoryBytesMax: 1 << 24 }, clock: 0, randomSeed: 7n,
    functions: {
      price: (sku: string, n: bigint) => multiple(n * 2n, sku, [1, { a: new Map([[1n, true]]) }]),
      "log.info": (...args) => { console.log(args.length); },
      later: async (x) => (typeof x === "number" ? x + 1 : null),
    },
    modules: new Map([["util", "return {}"]]),
    async: HAS_JSPI,
  });
  const r: RunResult = lua.isAsync
    ? await lua.runAsync("return later(1)", { modules: { other: new Uint8Array(0) } })
    : lua.run(new Uint8Array([114, 101, 116, 117, 114, 110]),
              { stdin: "in", args: ["a", new Uint8Array(1)], name: "x.lua", keepGlobals: true, modules: null });
  const several: LuaMultiple = multiple(1n, "two");
  const first: TypedValue | undefined = r.values[0];
  const error: LuaError | null = r.error;
  const code: number = error?.code ?? STATUS.SUCCESS;
  const home: HomeSnapshot = lua.store.dump();
  const stats = lua.memoryStats().heap_used + lua.memoryStats().memory_bytes + r.stats.instructions
    + DEFAULT_LIMITS.codeBytesMax;
  lua.collectGarbage();

  const client = new LuaClient({ storageKey: "k", timeoutMs: 100, options: { limits: { instructionsMax: 10 } },
                                 functions: { now: () => Date.now() }, modules: { m: "return 1" } });
  client.addEventListener("progress", (e) => { const t: string | null = e.detail.text; void t; });
  client.addEventListener("storage-problem", (e) => { const m: string | null = e.detail; void m; });
  client.addEventListener("home", () => client.home());
  client.preload("pyodide");
  const engine: Engine = ENGINES[0];
  const c: ClientResult = await client.run("return 1", { engine, stdin: null, limits: { instructionsMax: 5 }, timeoutMs: 5,
                                                         modules: { m: "return 2" } });
  client.setHome(c.home);
  const stopped: boolean = client.stop();
  const json = requestJson({ code: "x", stdin: new Uint8Array(0), args: [], name: "" });
  const bytes: Uint8Array = unbase64(r.outputBase64 ?? "") ?? encodeText(r.stderr);
  const limits: Limits = { ...DEFAULT_LIMITS };
  const refused = new SnapshotError("x") instanceof Error;

  // @ts-expect-error: code is text or bytes
  lua.run(42);
  // @ts-expect-error: no such run option
  lua.run("x", { stdn: "" });
  // @ts-expect-error: no such engine
  await client.run("x", { engine: "node" });
  // @ts-expect-error: the server engine runs no worker to preload
  client.preload("server");
  // @ts-expect-error: a snapshot is a table
  store.load({ i: "1" });
  // @ts-expect-error: a result's output is text
  const wrong: number = r.output;
  // @ts-expect-error: a host function is a function
  await createLua({ functions: { f: 42 } });
  // @ts-expect-error: a Set cannot pass to Lua
  await createLua({ functions: { f: () => new Set() } });
  // @ts-expect-error: a module is Lua source
  await createLua({ modules: { m: 1 } });

  return [first, code, home, stats, stopped, json.code, bytes.length, limits, refused, wrong, module, several].join();
}
"""

TSCONFIG = {
    "compilerOptions": {
        "strict": True, "noEmit": True, "target": "ES2022", "module": "ESNext",
        "moduleResolution": "bundler", "lib": ["ES2022", "DOM"], "types": [],
        "noUnusedLocals": True, "skipLibCheck": False,
    },
    "files": ["consumer.ts"],
}

# The names index.d.ts exports as values (TypeScript's checker) beside the names index.js
# exports (Node imports it: nothing in it runs at import but the URL of lua.wasm).
EXPORTS = """
import ts from "typescript";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const declarations = require.resolve("wasm-compute/package.json").replace(/package\\.json$/, "index.d.ts");
const program = ts.createProgram([declarations], { strict: true, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"] });
const checker = program.getTypeChecker();
const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(declarations)));
const values = symbols.filter((s) => s.flags & ts.SymbolFlags.Value).map((s) => s.name).sort();
const runtime = Object.keys(await import("wasm-compute")).sort();
console.log(JSON.stringify({ declared: values, exported: runtime }));
"""


def npm(*args, cwd):
    return subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=300).stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A scratch project with the packed package installed from its tarball, offline."""
    assert (PACKAGE / "package.json").exists(), "build the package first (./build.sh)"
    packed = tmp_path_factory.mktemp("packed")
    tarball = packed / npm("pack", str(PACKAGE), "--pack-destination", str(packed), "--silent", cwd=packed).strip()
    folder = tmp_path_factory.mktemp("project")
    (folder / "package.json").write_text(json.dumps({"name": "npm-package-check", "private": True, "type": "module"}))
    npm("install", "--offline", "--no-audit", "--no-fund", str(tarball), cwd=folder)
    # Symlinked, not installed: the tools come from web/'s own packages.
    (folder / "node_modules" / "typescript").symlink_to(NODE_MODULES / "typescript")
    return folder


def test_the_tarball_holds_the_package(project):
    installed = project / "node_modules" / "wasm-compute"
    manifest = json.loads((installed / "package.json").read_text())
    assert "dependencies" not in manifest
    assert manifest["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert (installed / "lua.wasm").read_bytes() == (ROOT / "web" / "lua.wasm").read_bytes()
    for module in (ROOT / "web").glob("*.js"):
        assert (installed / module.name).read_text() == module.read_text(), module.name
    # What the exports map names is there.
    for target in manifest["exports"].values():
        for path in (target.values() if isinstance(target, dict) else [target]):
            assert (installed / path).is_file(), path


def test_the_declarations_compile_and_cover_every_export(project):
    (project / "consumer.ts").write_text(CONSUMER)
    (project / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    # As a bundler resolves the package, and as Node does (its "exports" and "types").
    for resolution in (["--module", "esnext", "--moduleResolution", "bundler"],
                       ["--module", "node16", "--moduleResolution", "node16"]):
        tsc = subprocess.run(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p", ".", *resolution],
                             cwd=project, capture_output=True, text=True, timeout=300)
        assert tsc.returncode == 0, f"{resolution}: {tsc.stdout}{tsc.stderr}"

    (project / "exports.mjs").write_text(EXPORTS)
    out = subprocess.run(["node", "exports.mjs"], cwd=project, check=True, capture_output=True, text=True,
                         timeout=120).stdout
    names = json.loads(out)
    assert names["declared"] == names["exported"]
    assert {"createLua", "LuaClient", "LuaHost", "HomeStore", "STATUS"} <= set(names["exported"])


@pytest.fixture(scope="module")
def site(project):
    """The page bundled by esbuild and served by `python -m http.server`; its base URL."""
    (project / "page.js").write_text(PAGE)
    (project / "index.html").write_text(INDEX)
    subprocess.run([str(NODE_MODULES / ".bin" / "esbuild"), "page=page.js",
                    "lua-worker=wasm-compute/lua-worker.js", "--bundle", "--format=esm", "--outdir=dist",
                    "--log-level=warning"], cwd=project, check=True, timeout=120)
    shutil.copy(project / "node_modules" / "wasm-compute" / "lua.wasm", project / "dist" / "lua.wasm")
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        port = re.search(r" port (\d+) ", line)
        assert port, f"http.server said {line!r}"
        yield f"http://127.0.0.1:{port[1]}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_bundled_page_runs_scripts(browser, site):
    context = browser.new_context()
    try:
        page = context.new_page()
        _watch(page)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(site)
        page.wait_for_function("window.results !== undefined", timeout=30_000)
        results = page.evaluate("window.results")
        assert "failure" not in results, results["failure"]
        direct = results["direct"]
        assert direct["error"] is None, direct["error"]
        assert direct["output"] == "from stdin\ta\tb\n"
        assert direct["values"] == [{"i": "42"}, {"t": [[{"i": "1"}, {"i": "1"}], [{"i": "2"}, {"i": "2"}]]}]
        assert results["called"] == [{"i": "900"}]
        assert results["home"] == {"t": [["n", {"i": "42"}]]}
        assert results["looping"] is True
        memory = results["memory"]
        assert memory["memory_bytes"] % 65536 == 0 and memory["heap_used"] < memory["memory_bytes"], memory
        worker = results["worker"]
        assert (worker["error"], worker["output"], worker["values"]) == (None, "in a worker\t1\n", [{"i": "42"}])
        assert (worker["engine"], worker["home"]) == ("browser", {"t": [["seen", True]]})
        assert results["failed"] == "w.lua:1: boom"
        # lua.wasm and the worker were found beside the bundle, by their URLs in the package.
        assert site + "dist/lua.wasm" in requests and site + "dist/lua-worker.js" in requests
        assert take_problems(page) == []
    finally:
        context.close()

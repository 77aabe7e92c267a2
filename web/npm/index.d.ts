// The declarations of the npm package `wasm-compute` (index.js), written by hand
// from web/lua-host.js, web/lua-client.js, web/home-store.js and web/abi.js;
// zig/ABI.md is the contract they implement. e2e/test_npm_package.py checks
// that every export of index.js is declared here and nothing else is.

// ---------------------------------------------------------------- typed JSON (ABI §10)

/** A Lua value as JSON with nothing lost: a string is text (valid UTF-8), `{b}`
 *  bytes that are not (base64), `{i}` an integer (decimal, all 64 bits), `{f}` a
 *  float ("nan", "inf", "-inf" and "-0" as text), `{o}` a value with no JSON
 *  counterpart (a function, a thread, a cycle) as Lua prints it. */
export type TypedScalar =
  | null
  | boolean
  | string
  | { i: string }
  | { f: number | "nan" | "inf" | "-inf" | "-0" }
  | { b: string }
  | { o: string };

/** A table: its [key, value] pairs in order (a sequence 1..n in index order). */
export interface TypedTable {
  t: Array<[TypedValue, TypedValue]>;
}

export type TypedValue = TypedScalar | TypedTable;

/** `_home` as typed JSON: a table whose keys are strings and integers. */
export type HomeSnapshot = TypedTable;

/** Lua strings are bytes: text is sent as UTF-8, a Uint8Array as it is. */
export type LuaBytes = string | Uint8Array;

// ---------------------------------------------------------------- results (ABI §4, §5)

/** The status codes of ABI §5. */
export declare const STATUS: Readonly<{
  SUCCESS: 0;
  NULL_STATE: -1;
  INVALID_SIZE: -2;
  COMPILE_FAILED: -3;
  RUNTIME_FAILED: -4;
  BUFFER_OVERFLOW: -5;
  MEMORY_LIMIT: -6;
  INSTRUCTION_LIMIT: -7;
  STORE_FAILED: -8;
  TIMEOUT: -9;
  TRAP: -10;
  UNREACHABLE: -11;
}>;

export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

/** The names hosts give to error codes (the same on every engine). */
export type ErrorName =
  | "code_size"
  | "syntax"
  | "runtime"
  | "memory_limit"
  | "instruction_limit"
  | "store"
  | "timeout"
  | "trap"
  | "unreachable"
  | "error";

export interface LuaError {
  code: StatusCode;
  name: ErrorName;
  /** As lua prints it, e.g. "main.lua:3: boom". */
  message: string;
  traceback: string;
}

export interface RunStats {
  instructions: number;
  heap_used: number;
  heap_peak: number;
  elapsed_ms: number;
}

/** What one run gives. `output` and `stderr` are text; their `*Base64` twin is
 *  null unless the bytes are not valid UTF-8, when it carries them exactly. */
export interface RunResult {
  output: string;
  outputBase64: string | null;
  stderr: string;
  stderrBase64: string | null;
  /** What the chunk returned, as typed JSON (nil is null). */
  values: TypedValue[];
  error: LuaError | null;
  stats: RunStats;
}

// ---------------------------------------------------------------- host functions (ABI §11) and modules (§12)

/** A Lua value as a host function receives it: nil is null, an integer a bigint
 *  (all 64 bits), a float a number, a string a string when it is valid UTF-8 (else
 *  its bytes), a table an Array when its keys are exactly 1..n, an object when
 *  every key is a text string (the empty table too), else a Map. */
export type LuaArgument =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | LuaArgument[]
  | { [key: string]: LuaArgument }
  | Map<LuaArgument, LuaArgument>;

/** A key of a table passed to Lua: a boolean, an integer, a float that is not NaN, or a string. */
export type LuaKey = boolean | bigint | number | string | Uint8Array;

/** A value a host function gives Lua: undefined and null are nil, a bigint an integer,
 *  a number a float, a string or bytes a string, an Array, a Map or a plain object a table. */
export type LuaResult =
  | undefined
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | ArrayBuffer
  | LuaResult[]
  | Map<LuaKey, LuaResult>
  | { [key: string]: LuaResult };

/** Several results of one host function (made by `multiple`). */
export declare class LuaMultiple {
  constructor(values: LuaResult[]);
  readonly values: readonly LuaResult[];
}

/** `return multiple(a, b)` gives the script two values, `multiple()` none. */
export declare function multiple(...values: LuaResult[]): LuaMultiple;

/** What a host function returns: one value, several, or nothing (nil). */
export type HostReturn = LuaResult | LuaMultiple | void;

/** A function scripts call; what it throws is a Lua error (`String(e)`). An async
 *  one (or one returning a Promise, with `async: true`) needs JSPI (HAS_JSPI). Its
 *  parameters may be declared narrower than LuaArgument (it checks what it gets). */
export type HostFunction = {
  bivarianceHack(...args: LuaArgument[]): HostReturn | Promise<HostReturn>;
}["bivarianceHack"];

/** Host functions by name: Lua names joined by dots ("log.info" is the field `info` of the global `log`). */
export type HostFunctions = Record<string, HostFunction> | Map<string, HostFunction>;

/** Lua sources that `require` finds, by module name. */
export type Modules = Record<string, LuaBytes> | Map<string, LuaBytes>;

/** Whether this JavaScript engine has JSPI, which async host functions need. */
export declare const HAS_JSPI: boolean;

// ---------------------------------------------------------------- the host (lua-host.js)

/** The limits of ABI §3, each a number of bytes or instructions. */
export interface Limits {
  memoryBytesMax: number;
  instructionsMax: number;
  outputBytesMax: number;
  codeBytesMax: number;
  inputBytesMax: number;
}

export declare const DEFAULT_LIMITS: Readonly<Limits>;

/** lua.wasm: a URL, its bytes, or a module compiled already. */
export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

export interface HostOptions {
  /** The store behind `_home` (a new, empty one by default). */
  store?: HomeStore;
  /** Merged over DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** null for the real clock, or fixed Unix seconds (os.time, os.clock). */
  clock?: number | null;
  /** null for a generator that runs on across evals, or an integer: every eval draws the same numbers. */
  randomSeed?: number | bigint | null;
  /** Functions scripts call (ABI §11). */
  functions?: HostFunctions;
  /** Modules `require` finds in every eval (ABI §12). */
  modules?: Modules;
  /** The host is async even when no function is declared `async`, so that one
   *  returning a Promise is waited for (needs JSPI; its evals are runAsync's). */
  async?: boolean;
}

export interface CreateLuaOptions extends HostOptions {
  /** The package's own lua.wasm (`wasmUrl`) by default. */
  wasm?: WasmSource;
}

/** One eval's request (ABI §2.2). */
export interface RunOptions {
  /** The script's standard input (io.read). */
  stdin?: LuaBytes | null;
  /** `...` and arg[1..n]. */
  args?: LuaBytes[];
  /** The chunk's name, so messages read `name:3: boom` ("input" when empty). */
  name?: LuaBytes | null;
  /** The next eval sees the globals this one leaves, as a REPL's lines do. */
  keepGlobals?: boolean;
  /** Modules for this eval, replacing the host's of the same name. */
  modules?: Modules | null;
}

export interface MemoryStats {
  heap_used: number;
  heap_total: number;
  heap_peak: number;
  gc_count: number;
  /** The size of the instance's linear memory: it grows, and never shrinks. */
  memory_bytes: number;
}

/** One instance of lua.wasm; `_home` lives in its `store`. */
export declare class LuaHost {
  constructor(module: WebAssembly.Module, options?: HostOptions);
  readonly store: HomeStore;
  readonly limits: Readonly<Limits>;
  /** Whether evals run through runAsync only (async host functions, JSPI). */
  readonly isAsync: boolean;
  /** Runs one eval. Throws on a trap (the instance is unusable then), for a
   *  name holding a NUL character, and in an async host (use runAsync). */
  run(code: LuaBytes, options?: RunOptions): RunResult;
  /** run() as a Promise; in an async host the script waits for the value of a
   *  host function that returns a Promise. One eval at a time. */
  runAsync(code: LuaBytes, options?: RunOptions): Promise<RunResult>;
  memoryStats(): MemoryStats;
  collectGarbage(): void;
}

/** Compiles lua.wasm once per URL. */
export declare function compileLua(wasm?: WasmSource): Promise<WebAssembly.Module>;

/** A new host on the package's lua.wasm (or options.wasm). */
export declare function createLua(options?: CreateLuaOptions): Promise<LuaHost>;

/** The URL of the package's lua.wasm, resolved against index.js (or the bundle made of it). */
export declare const wasmUrl: string;

// ---------------------------------------------------------------- `_home` (home-store.js)

/** The tree of tables behind `_home`, in the order the ABI keeps. */
export declare class HomeStore {
  constructor();
  /** `_home` as typed JSON. */
  dump(): HomeSnapshot;
  /** Replaces `_home`; a bad snapshot (SnapshotError) changes nothing. */
  load(snapshot: HomeSnapshot): void;
}

/** What a snapshot that is not typed JSON of a table is refused with. */
export declare class SnapshotError extends Error {}

// ---------------------------------------------------------------- the client (lua-client.js)

export declare const ENGINES: readonly ["browser", "server", "pyodide"];

/** Where a run goes: a worker of the page, the server (POST api/run), or Python in Pyodide. */
export type Engine = (typeof ENGINES)[number];

/** The engines that run in a worker of the page. */
export type WorkerEngine = "browser" | "pyodide";

export interface LuaClientOptions {
  /** lua.wasm's URL: the package's own by default. */
  wasm?: string | URL;
  /** lua-worker.js's URL: the package's own by default. */
  worker?: string | URL;
  /** The localStorage key of `_home` (default "wasm-compute:home"). */
  storageKey?: string;
  /** The wall-clock limit of a run in a worker (default 10000). */
  timeoutMs?: number;
  /** Passed to the host in the worker. */
  options?: Omit<HostOptions, "store">;
  /** The server's run endpoint (default "api/run"). */
  api?: string;
  /** pyodide-worker.js's URL: the package's own by default. */
  pyodideWorker?: string | URL;
  /** Pyodide's folder, with the lock that lists wasm-compute (default "pyodide/"). */
  pyodide?: string;
  /** Functions of this page that scripts on the browser engine call (needs JSPI);
   *  a client with functions runs on the browser engine only. */
  functions?: HostFunctions;
  /** Modules `require` finds in every run, on every engine. */
  modules?: Modules;
  /** A Worker of lua-worker.js started already, taken as the first browser worker. */
  startedWorker?: Worker | null;
}

export interface ClientRunOptions {
  engine?: Engine;
  stdin?: LuaBytes | null;
  args?: LuaBytes[];
  name?: LuaBytes | null;
  /** The limits of this run on the browser and pyodide engines (the server has its own). */
  limits?: Partial<Limits> | null;
  /** The wall-clock limit of this run on the browser and pyodide engines. */
  timeoutMs?: number;
  /** Modules for this run, replacing the client's of the same name. */
  modules?: Modules | null;
}

export interface ClientResult extends RunResult {
  /** `_home` after the run, as saved in localStorage. */
  home: HomeSnapshot;
  engine: Engine;
}

export interface LuaClientEventMap {
  /** `_home` changed (a run, setHome, another tab). */
  home: CustomEvent<undefined>;
  /** What a worker does before it can run (text), or null when it is ready. */
  progress: CustomEvent<{ engine: WorkerEngine; text: string | null }>;
  /** A localStorage problem (its message), or null when it is mended. */
  "storage-problem": CustomEvent<string | null>;
  /** The browser worker made its host after preload (failure null), or could not. */
  loaded: CustomEvent<{ engine: WorkerEngine; failure: string | null }>;
}

/** Runs scripts on an engine and keeps `_home` in localStorage, shared with other tabs. */
export declare class LuaClient extends EventTarget {
  constructor(options?: LuaClientOptions);
  /** What each worker does before it can run a script, or null. */
  readonly loading: Record<WorkerEngine, string | null>;
  /** The last storage problem, or null. */
  readonly problem: string | null;
  /** `_home` as typed JSON. */
  home(): HomeSnapshot;
  /** Replaces `_home` (a bad snapshot, SnapshotError, changes nothing). */
  setHome(snapshot: HomeSnapshot): void;
  /** Runs `code`; one run at a time (another throws while one is pending). */
  run(code: LuaBytes, options?: ClientRunOptions): Promise<ClientResult>;
  /** Starts the worker of `engine` and its loading now; `module`: lua.wasm compiled already. */
  preload(engine: WorkerEngine, options?: { module?: WebAssembly.Module | null }): void;
  /** Ends a script running in a worker now; false when none runs. */
  stop(): boolean;
  addEventListener<K extends keyof LuaClientEventMap>(
    type: K,
    listener: (this: LuaClient, event: LuaClientEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof LuaClientEventMap>(
    type: K,
    listener: (this: LuaClient, event: LuaClientEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

// ---------------------------------------------------------------- helpers (abi.js)

/** A string in a request's JSON, or `{b}` for bytes that are not UTF-8. */
export type JsonBytes = string | { b: string };

/** A run's request as the server's POST /api/run takes it; modules (name -> source
 *  bytes) go as text. */
export declare function requestJson(request: {
  code: LuaBytes;
  stdin: LuaBytes;
  args: LuaBytes[];
  name: LuaBytes;
  modules?: Map<string, Uint8Array> | null;
}): { code: JsonBytes; stdin: JsonBytes; args: JsonBytes[]; name: JsonBytes; modules?: Record<string, string> };

/** The bytes of base64 text (a result's outputBase64, a `{b}` value). */
export declare function unbase64(text: string): Uint8Array;

/** Text as UTF-8 bytes, exactly (a lone surrogate as Python's "surrogatepass" writes it). */
export declare function encodeText(text: string): Uint8Array;

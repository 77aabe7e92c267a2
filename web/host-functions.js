// Host functions (zig/ABI.md §11) in JavaScript: the functions record `init`
// reads (§3.1), a call's arguments as JavaScript values, and what a function
// returns (or throws) as the reply record. It mirrors
// server/wasm_compute/_host.py: the same names are refused, the same values
// cross, and a failure reads the same but for the language's own words.
//
// The values (web/README.md "Host functions"): Lua integers are BigInt and
// floats are Numbers, both ways, as in results and `_home`. A Number cannot
// tell 2 from 2.0 and rounds past 2^53, so reading an integral Number as an
// integer would turn a float that makes the round trip into an integer
// (`echo(2.0)` would come back as 2, and print "2"); with BigInt each keeps its
// type, as Python's int and float do.

import { TAG, Reader, Writer, LuaTable, MalformedError, encodeText, textEncoder, textOf } from "./abi.js";

// ABI §3.1: Lua names joined by dots; every eval sets `_home` and `arg`.
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const RESERVED_FIRST = ["_home", "arg"];
// ABI §3.1: the functions record is read from the 64 KiB buffer, after the 40-byte limits.
export const NAMES_BYTES_MAX = 64 * 1024 - 40;
// ABI §11: tables nested deeper than this cross in neither direction.
export const DEPTH_MAX = 100;

const REPLY_VALUES = 0;
const REPLY_ERROR = 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Several results of one host function: `return multiple(a, b)` gives the
 *  script two values, `multiple()` none. Any other return value is one value
 *  (undefined and null are one nil). */
export class LuaMultiple {
  constructor(values) { this.values = values; Object.freeze(this); }
}

/** `multiple(...values)`: the results of a host function that returns several. */
export function multiple(...values) { return new LuaMultiple(values); }

/** A reply record (ABI §11) made elsewhere, passed on as it is: what a page's
 *  function answered to a worker's call (lua-client.js, lua-worker.js). */
export class EncodedReply {
  constructor(bytes) { this.bytes = bytes; }
}

/** The functions of one host, in the order of the functions record (ABI §3.1).
 *  functions: an object (or Map) of name -> function. */
export class HostFunctions {
  constructor(functions = {}) {
    const entries = functions instanceof Map ? [...functions] : Object.entries(functions ?? {});
    for (const [name, fn] of entries) {
      checkName(name);
      if (typeof fn !== "function") throw new TypeError(`host function '${name}' is not a function: ${describe(fn)}`);
    }
    const names = entries.map(([name]) => name);
    for (const name of names) {
      const other = names.find((o) => o !== name && o.startsWith(name + "."));
      if (other) throw new Error(`host function '${name}' would replace the table that holds '${other}'`);
    }
    this.names = names;
    this.functions = entries.map(([, fn]) => fn);
    this.record = encodeNames(names);
    if (this.record.length > NAMES_BYTES_MAX) {
      throw new Error(`the names of the host functions take ${this.record.length} bytes; the limit is ${NAMES_BYTES_MAX}`);
    }
    this.kept = new Map(); // ticket -> a reply too long for the module's buffer (ABI §11)
    this.tickets = 0;
  }

  /** Whether any function is declared `async` (it needs JSPI, lua-host.js). */
  get anyAsync() { return this.functions.some(isAsyncFunction); }

  /** What may have made `init` fail, beside the limits (ABI §3.1). */
  initHint() {
    return this.names.length === 0 ? ""
      : " (or a host function's name runs through a global that is not a table, as 'print.x' would)";
  }

  /** Calls function `index` with the argument record `args`; its result, which
   *  may be a Promise, is handed to `reply`, and a failure to `replyError`. */
  call(index, args) {
    return this.functions[index](...decodeArgs(args));
  }

  keep(reply) {
    this.tickets = (this.tickets + 1) >>> 0;
    this.kept.set(this.tickets, reply.slice()); // encodeResults' bytes are its scratch writer's
    return this.tickets;
  }

  take(ticket, length) {
    const reply = this.kept.get(ticket);
    if (reply === undefined || reply.length !== length) return null;
    this.kept.delete(ticket);
    return reply;
  }

  /** Replies not taken by the end of `compute` are dropped (ABI §11). */
  endEval() {
    // Map.clear makes a new table even for an empty Map: most evals keep nothing.
    if (this.kept.size > 0) this.kept.clear();
  }
}

export function isAsyncFunction(fn) {
  const kind = fn?.constructor?.name;
  return kind === "AsyncFunction" || kind === "AsyncGeneratorFunction";
}

export function isThenable(v) {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
}

export function checkName(name) {
  if (typeof name !== "string") throw new TypeError(`a host function's name must be a string, not ${describe(name)}`);
  if (!NAME.test(name)) throw new Error(`host function name '${name}' is not Lua names joined by dots`);
  const first = name.split(".")[0];
  if (RESERVED_FIRST.includes(first)) throw new Error(`host function name '${name}': every eval sets '${first}'`);
}

/** The functions record (ABI §3.1). */
export function encodeNames(names) {
  const w = new Writer();
  w.u32(names.length);
  for (const name of names) {
    const bytes = encodeText(name);
    w.u32(bytes.length);
    w.put(bytes);
  }
  return w.result().slice();
}

/** The argument record as JavaScript values, the shapes results have in Python
 *  (`_abi.to_python`): nil null, booleans, integers BigInt, floats Number, a
 *  string a string when valid UTF-8 else its Uint8Array, a table an Array when
 *  its keys are exactly 1..n, an object when every key is a text string (the
 *  empty table too), else a Map. */
export function decodeArgs(bytes) {
  const r = new Reader(bytes);
  const count = r.u32();
  const values = [];
  for (let i = 0; i < count; i++) values.push(toJs(r.value()));
  if (r.at !== bytes.length) throw new MalformedError("trailing bytes after the arguments");
  return values;
}

export function toJs(v) {
  if (v instanceof Uint8Array) return shortAscii(v) ?? textOf(v) ?? v;
  if (!(v instanceof LuaTable)) return v;
  const pairs = v.pairs.map(([k, val]) => [toJs(k), toJs(val)]);
  const n = pairs.length;
  if (n > 0 && pairs.every(([k]) => typeof k === "bigint" && k >= 1n && k <= BigInt(n))) {
    const list = new Array(n);
    for (const [k, val] of pairs) list[Number(k) - 1] = val;
    if (!list.includes(undefined) && Object.keys(list).length === n) return list;
  }
  if (pairs.every(([k]) => typeof k === "string")) return Object.fromEntries(pairs);
  return new Map(pairs);
}

// A call's reply is written into one writer, reused: a call encodes its reply
// and hands it to the module at once (lua-host.js), so no two replies are
// under way in it. A profile of `echo(1, 'two', 3.5)` put half of a call in
// making a writer and encoding short strings.
let scratch = new Writer(1024);
let scratchBusy = false;

/** What a function returned as a reply of values: a LuaMultiple is several
 *  results, anything else one. The bytes are valid until the next call: copy
 *  them to keep them. */
export function encodeResults(result) {
  if (result instanceof EncodedReply) return result.bytes;
  const values = result instanceof LuaMultiple ? result.values : [result];
  // A getter of a returned object may run another host's call meanwhile: that one gets a writer of its own.
  const own = scratchBusy;
  const w = own ? new Writer() : scratch;
  w.length = 0;
  scratchBusy = true;
  try {
    w.u8(REPLY_VALUES);
    w.u32(values.length);
    for (let i = 0; i < values.length; i++) encode(w, values[i], [], values.length > 1 ? `result ${i + 1}` : "the result");
  } finally {
    if (!own) {
      scratchBusy = false;
      // A huge reply leaves no huge scratch behind (its bytes stay with the reply).
      if (w.bytes.length > 1 << 20) scratch = new Writer(1024);
    }
  }
  return w.bytes.subarray(0, w.length);
}

// Lua bytes of up to 32 ASCII characters as a string, else null: the common
// short key or word, without a TextDecoder's call.
function shortAscii(bytes) {
  if (bytes.length > 32) return null;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return null;
  return String.fromCharCode.apply(null, bytes);
}

// A string as UTF-8 into the writer: encodeInto writes in place; a string
// with a lone surrogate goes through encodeText (Python's surrogatepass).
function putText(w, s) {
  if (!s.isWellFormed()) {
    const b = encodeText(s);
    w.u32(b.length);
    w.put(b);
    return;
  }
  w.room(4 + 3 * s.length);
  const { written } = textEncoder.encodeInto(s, w.bytes.subarray(w.length + 4));
  w.view.setUint32(w.length, written, true);
  w.length += 4 + written;
}

/** A thrown value as a reply of kind 1: `String(e)` (ABI §11), e.g. `TypeError: x is not a function`. */
export function encodeError(e) {
  let message;
  try { message = String(e); } catch { message = Object.prototype.toString.call(e); }
  const bytes = encodeText(message);
  const w = new Writer(5 + bytes.length);
  w.u8(REPLY_ERROR);
  w.u32(bytes.length);
  w.put(bytes);
  return w.result().slice();
}

function encode(w, v, path, where) {
  if (v === null || v === undefined) w.u8(TAG.NIL);
  else if (v === true) w.u8(TAG.TRUE);
  else if (v === false) w.u8(TAG.FALSE);
  else if (typeof v === "bigint") {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`the integer ${v} does not fit in 64 bits (${where})`);
    w.u8(TAG.INT); w.i64(v);
  } else if (typeof v === "number") { w.u8(TAG.FLOAT); w.f64(v); }
  else if (typeof v === "string") { w.u8(TAG.STRING); putText(w, v); }
  else if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
    const b = v instanceof ArrayBuffer ? new Uint8Array(v) : v;
    w.u8(TAG.STRING); w.u32(b.length); w.put(b);
  } else if (Array.isArray(v) || v instanceof Map || isPlainObject(v)) {
    if (path.includes(v)) throw new TypeError(`${article(v)} that contains itself cannot pass to Lua (${where})`);
    if (path.length === DEPTH_MAX) throw new RangeError(`tables nested deeper than ${DEPTH_MAX} cannot pass to Lua (${where})`);
    path.push(v);
    const items = Array.isArray(v) ? v.map((item, i) => [BigInt(i + 1), item])
      : v instanceof Map ? [...v] : Object.entries(v);
    w.u8(TAG.TABLE);
    w.u32(items.length);
    for (const [key, item] of items) {
      encode(w, checkKey(key, where), path, where);
      encode(w, item, path, where);
    }
    path.pop();
  } else throw new TypeError(`cannot pass ${article(v)} to Lua (${where})`);
}

// ABI §11: a key is a boolean, an integer, a float that is not NaN, or a string.
function checkKey(key, where) {
  const ok = typeof key === "boolean" || typeof key === "bigint" || typeof key === "string"
    || key instanceof Uint8Array || (typeof key === "number" && !Number.isNaN(key));
  if (!ok) throw new TypeError(`${typeof key === "number" ? "NaN" : describe(key)} cannot be a Lua table key (${where})`);
  return key;
}

function isPlainObject(v) {
  if (typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// "an Array", "a Set", "a function", "a symbol": what the messages call a value.
function article(v) {
  const name = typeof v === "object" && v !== null ? (v.constructor?.name ?? "Object") : typeof v;
  return `${/^[AEIOUaeiou]/.test(name) ? "an" : "a"} ${name}`;
}

function describe(v) {
  if (v === null) return "null";
  if (typeof v === "object") return v.constructor?.name ?? "Object";
  return typeof v;
}

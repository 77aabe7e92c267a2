// The host side of zig/ABI.md in JavaScript: status codes, the value encoding
// (§4.1), the result record (§4) and the typed JSON of results (§10).
// It mirrors server/wasm_compute/_abi.py; both hosts must agree byte for byte.
//
// Lua integers are 64-bit, so they travel as BigInt: a Number would round
// anything past 2^53. Floats are Numbers. Lua strings are bytes (Uint8Array).

export const STATUS = Object.freeze({
  SUCCESS: 0, NULL_STATE: -1, INVALID_SIZE: -2, COMPILE_FAILED: -3, RUNTIME_FAILED: -4,
  BUFFER_OVERFLOW: -5, MEMORY_LIMIT: -6, INSTRUCTION_LIMIT: -7, STORE_FAILED: -8,
  TIMEOUT: -9, TRAP: -10, UNREACHABLE: -11,
});

// The names hosts give to error codes (server/wasm_compute/_errors.py).
const ERROR_NAMES = new Map([
  [-2, "code_size"], [-3, "syntax"], [-4, "runtime"], [-6, "memory_limit"],
  [-7, "instruction_limit"], [-8, "store"], [-9, "timeout"], [-10, "trap"], [-11, "unreachable"],
]);

export function errorFor(code, message, traceback = "") {
  return { code, name: ERROR_NAMES.get(code) ?? "error", message, traceback };
}

export const TAG = Object.freeze({
  NIL: 0, FALSE: 1, TRUE: 2, INT: 3, FLOAT: 4, STRING: 5, REF: 6, NEW: 7, TABLE: 8, OTHER: 9,
});

export const ROOT_ID = 1;

/** A table id inside a store value. */
export class TableRef {
  constructor(id) { this.id = id; }
}

/** A table of a result: [key, value] pairs in the order the module sent them. */
export class LuaTable {
  constructor(pairs) { this.pairs = pairs; }
}

/** A value with no JSON counterpart (function, thread, cycle): its text. */
export class LuaObject {
  constructor(text) { this.text = text; }
}

export const NEW_TABLE = Symbol("new table");

// Bytes become text exactly: a TextDecoder drops a leading byte order mark
// (U+FEFF) unless told to keep it, and a Lua string that starts with one must
// come back with it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lossy = new TextDecoder("utf-8", { ignoreBOM: true });
export const textEncoder = new TextEncoder();
/** The longest text encodeText copies itself when it is ASCII (UTF-16 units). */
const SHORT_TEXT_MAX = 256;

/** Text as UTF-8 bytes, exactly. A lone surrogate (which only a JavaScript
 *  string or JSON's \uD800 can hold) becomes its three-byte form, as Python's
 *  "surrogatepass" writes it (server/wasm_compute/_homejson.py), where a
 *  TextEncoder would put U+FFFD in its place. */
export function encodeText(s) {
  if (s.length <= SHORT_TEXT_MAX) {
    // Short ASCII text (a line of code, a name, a key) is copied by this loop:
    // a call of TextEncoder costs several times more (a profile of run("return 1")
    // put a quarter of its time in encoding its code, name and stdin).
    const out = new Uint8Array(s.length);
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[i] = c;
    }
    if (i === s.length) return out;
  }
  if (s.isWellFormed()) return textEncoder.encode(s);
  const out = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp >= 0xd800 && cp <= 0xdfff) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else for (const b of textEncoder.encode(ch)) out.push(b);
  }
  return new Uint8Array(out);
}

export class MalformedError extends Error {}

export class Writer {
  constructor(size = 64) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.length = 0;
  }
  room(n) {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u8(v) { this.room(1); this.bytes[this.length++] = v; }
  u32(v) { this.room(4); this.view.setUint32(this.length, v, true); this.length += 4; }
  i64(v) { this.room(8); this.view.setBigInt64(this.length, v, true); this.length += 8; }
  f64(v) { this.room(8); this.view.setFloat64(this.length, v, true); this.length += 8; }
  put(b) { this.room(b.length); this.bytes.set(b, this.length); this.length += b.length; }
  result() { return this.bytes.subarray(0, this.length); }
}

// What an empty string reads as: with no bytes to change, one can serve every reader.
export const NO_BYTES = new Uint8Array(0);

export class Reader {
  // The record is bytes[at, end): a result record is read where the module
  // wrote it, through the host's own view of memory, without a copy or a new view.
  constructor(bytes, at = 0, end = bytes.length, view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) {
    this.bytes = bytes;
    this.view = view;
    this.at = at;
    this.end = Math.min(end, bytes.length);
  }
  need(n) { if (this.at + n > this.end) throw new MalformedError("record ends early"); }
  u8() { this.need(1); return this.bytes[this.at++]; }
  u32() { this.need(4); const v = this.view.getUint32(this.at, true); this.at += 4; return v; }
  take(n) {
    const b = this.span(n);
    return n === 0 ? b : b.slice();
  }
  /** Like take, but the bytes stay where they are: for what is decoded before
   *  the next call into the module can change them. */
  span(n) {
    this.need(n);
    if (n === 0) return NO_BYTES;
    const b = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  text(n) { return n === 0 ? "" : lossyText(this.take(n)); }
  value(allowNew = false) {
    const tag = this.u8();
    switch (tag) {
      case TAG.NIL: return null;
      case TAG.FALSE: return false;
      case TAG.TRUE: return true;
      case TAG.INT: { this.need(8); const v = this.view.getBigInt64(this.at, true); this.at += 8; return v; }
      case TAG.FLOAT: { this.need(8); const v = this.view.getFloat64(this.at, true); this.at += 8; return v; }
      case TAG.STRING: return this.take(this.u32());
      case TAG.REF: return new TableRef(this.u32());
      case TAG.NEW: if (allowNew) return NEW_TABLE; break;
      case TAG.TABLE: {
        const n = this.u32();
        const pairs = [];
        for (let i = 0; i < n; i++) pairs.push([this.value(), this.value()]);
        return new LuaTable(pairs);
      }
      case TAG.OTHER: return new LuaObject(utf8Lossy.decode(this.take(this.u32())));
    }
    throw new MalformedError(`unexpected tag ${tag}`);
  }
  key() {
    const k = this.value();
    if (typeof k !== "bigint" && !(k instanceof Uint8Array)) throw new MalformedError("invalid key");
    return k;
  }
}

/** Encodes a store key (BigInt or bytes). */
export function writeKey(w, key) {
  if (typeof key === "bigint") { w.u8(TAG.INT); w.i64(key); return; }
  w.u8(TAG.STRING); w.u32(key.length); w.put(key);
}

/** Encodes a store value: null, boolean, BigInt, Number (float), bytes, TableRef. */
export function writeValue(w, v) {
  if (v === null) w.u8(TAG.NIL);
  else if (v === true) w.u8(TAG.TRUE);
  else if (v === false) w.u8(TAG.FALSE);
  else if (typeof v === "bigint") { w.u8(TAG.INT); w.i64(v); }
  else if (typeof v === "number") { w.u8(TAG.FLOAT); w.f64(v); }
  else if (v instanceof Uint8Array) { w.u8(TAG.STRING); w.u32(v.length); w.put(v); }
  else if (v instanceof TableRef) { w.u8(TAG.REF); w.u32(v.id); }
  else throw new TypeError(`not a store value: ${v}`);
}

/** A Lua string from a caller: text as its UTF-8 bytes, bytes as they are. */
export function bytesOf(v) {
  if (typeof v === "string") return encodeText(v);
  if (v instanceof Uint8Array) return v;
  throw new TypeError(`expected a string or a Uint8Array, not ${v === null ? "null" : typeof v}`);
}

/** The length of the request record of ABI §2.2 for `request`
 *  ({name, code, stdin, args, modules}, all bytes, modules a list of [name, source]):
 *  six u32 fields, one more per argument and two per module. */
export function requestLength({ name, code, stdin, args, modules = [] }) {
  return 4 * (6 + args.length + 2 * modules.length) + name.length + code.length + stdin.length
    + args.reduce((n, a) => n + a.length, 0) + modules.reduce((n, [m, s]) => n + m.length + s.length, 0);
}

/** Writes the request record of ABI §2.2 at `at` in `memory` (the module's
 *  memory as a Uint8Array, `words` a DataView of it), which has room for
 *  requestLength(request) bytes; returns where the record ends. */
export function writeRequest(memory, words, at, { flags = 0, name, code, stdin, args, modules = [] }) {
  words.setUint32(at, flags, true);
  at = writeField(memory, words, at + 4, name);
  at = writeField(memory, words, at, code);
  at = writeField(memory, words, at, stdin);
  words.setUint32(at, args.length, true);
  at += 4;
  for (const arg of args) at = writeField(memory, words, at, arg);
  words.setUint32(at, modules.length, true);
  at += 4;
  for (const [module, source] of modules) {
    at = writeField(memory, words, at, module);
    at = writeField(memory, words, at, source);
  }
  return at;
}

// One field of ABI §2.2: u32 length, bytes.
function writeField(memory, words, at, bytes) {
  words.setUint32(at, bytes.length, true);
  if (bytes.length > 0) memory.set(bytes, at + 4);
  return at + 4 + bytes.length;
}

/** Modules for `require` (ABI §12) as a Map of name bytes (as text) -> source
 *  bytes, checked as Sandbox checks them: `what` names them in the messages. */
export function modulesOf(modules, what = "modules") {
  const out = new Map();
  if (modules === null || modules === undefined) return out;
  const entries = modules instanceof Map ? [...modules] : typeof modules === "object" ? Object.entries(modules) : null;
  if (entries === null) throw new TypeError(`${what} must be an object of names to sources, not ${typeof modules}`);
  for (const [name, source] of entries) {
    if (typeof name !== "string") throw new TypeError(`the name of a module in ${what} must be a string`);
    if (name === "" || name.includes("\0")) throw new Error(`module name '${name}' in ${what} is empty or holds a NUL character`);
    out.set(name, bytesOf(source));
  }
  return out;
}

/** ABI §4: the result record's head, six lengths and the statistics. */
const RECORD_HEAD_BYTES = 40;

/** The result record of ABI §4 at memory[ptr, ptr + len) (`words` a DataView
 *  of memory). output and stderr are views into memory: they are valid until
 *  the next call into the module, as the record is. */
export function parseRecord(status, memory, words, ptr, len) {
  const r = new Reader(memory, ptr, ptr + len, words);
  r.need(RECORD_HEAD_BYTES);
  const nOutput = words.getUint32(ptr, true);
  const nStderr = words.getUint32(ptr + 4, true);
  const count = words.getUint32(ptr + 8, true);
  const nValues = words.getUint32(ptr + 12, true);
  const nMessage = words.getUint32(ptr + 16, true);
  const nTraceback = words.getUint32(ptr + 20, true);
  const instructions = Number(words.getBigUint64(ptr + 24, true));
  const heapUsed = words.getUint32(ptr + 32, true);
  const heapPeak = words.getUint32(ptr + 36, true);
  const size = RECORD_HEAD_BYTES + nOutput + nStderr + nValues + nMessage + nTraceback;
  if (size !== len) throw new MalformedError(size > len ? "record ends early" : "trailing bytes after the record");
  r.at += RECORD_HEAD_BYTES;
  const output = r.span(nOutput);
  const stderr = r.span(nStderr);
  const v = new Reader(memory, r.at, r.at + nValues, words);
  const values = [];
  for (let i = 0; i < count; i++) values.push(v.value());
  if (v.at !== v.end) throw new MalformedError("trailing bytes after the values");
  r.need(nValues);
  r.at += nValues;
  const message = r.text(nMessage);
  const traceback = r.text(nTraceback);
  return { status, output, stderr, values, message, traceback, instructions, heapUsed, heapPeak };
}

// ---------------------------------------------------------------- typed JSON (§10)

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function unbase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Lua bytes as text when valid UTF-8 (else null). */
export function textOf(bytes) {
  if (bytes.length === 0) return "";
  try { return utf8.decode(bytes); } catch { return null; }
}

export function lossyText(bytes) { return utf8Lossy.decode(bytes); }

/** A scalar in the typed JSON of zig/ABI.md §10. */
export function wireScalar(v) {
  if (v === null) return null;
  if (v === true || v === false) return v;
  if (typeof v === "bigint") return { i: v.toString() };
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { f: "nan" };
    if (v === Infinity) return { f: "inf" };
    if (v === -Infinity) return { f: "-inf" };
    if (Object.is(v, -0)) return { f: "-0" };
    return { f: v };
  }
  if (v instanceof Uint8Array) {
    const t = textOf(v);
    return t !== null ? t : { b: base64(v) };
  }
  if (v instanceof LuaObject) return { o: v.text };
  throw new TypeError(`not a scalar: ${v}`);
}

/** A result value as typed JSON. A table whose keys are exactly 1..n is
 *  written in index order, as the Python host writes its lists. */
export function wireValue(v) {
  if (!(v instanceof LuaTable)) return wireScalar(v);
  let pairs = v.pairs;
  const n = pairs.length;
  if (n > 0 && pairs.every(([k]) => typeof k === "bigint" && k >= 1n && k <= BigInt(n))) {
    const seen = new Set(pairs.map(([k]) => k));
    if (seen.size === n) pairs = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  return { t: pairs.map(([k, val]) => [wireValue(k), wireValue(val)]) };
}

/** A run's request for JSON (POST /api/run, the pyodide worker): the code, stdin,
 *  each argument and the name a JSON string when it is text, else {"b": base64}
 *  (zig/ABI.md §10), so bytes that are not UTF-8 arrive unchanged. */
export function requestJson({ code, stdin, args, name, modules = null }) {
  const bytes = (v) => (typeof v === "string" ? v : wireScalar(v));
  const request = { code: bytes(code), stdin: bytes(stdin), args: args.map(bytes), name: bytes(name) };
  // Modules go as text (Sandbox and POST /api/run take strings); the checks were made by modulesOf.
  if (modules && modules.size > 0) request.modules = Object.fromEntries([...modules].map(([m, s]) => [m, lossyText(s)]));
  return request;
}

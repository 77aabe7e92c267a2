// Lua values as the page shows them and reads them back. Values arrive as the
// typed JSON of zig/ABI.md §10 (plus {"o": "function: 0x…"} for values JSON
// cannot carry); this module turns them into the text Lua itself would print,
// and turns what a user types in the _home inspector into typed JSON again.
// Everything here returns plain strings: callers put them in textContent.
// Bytes become text through web/abi.js only, which keeps a leading byte order
// mark (a plain TextDecoder drops it).

import { encodeText, lossyText, textOf, unbase64, wireScalar } from "../abi.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(("and break do else elseif end false for function goto if in local nil not or " +
  "repeat return then true until while").split(" "));

// A table printed on one line up to this width; past it, one entry per line.
const LINE_WIDTH = 72;
// Past this many characters the rest of a value is cut: a huge result must not freeze the page.
const TEXT_CHARS_MAX = 200_000;

/** The Lua type of a typed JSON value: "nil", "boolean", "integer", "float",
 *  "string", "table", or the type named by an {"o": …} value ("function"…). */
export function luaType(v) {
  if (v === null || v === undefined) return "nil";
  if (v === true || v === false) return "boolean";
  if (typeof v === "string") return "string";
  if ("i" in v) return "integer";
  if ("f" in v) return "float";
  if ("b" in v) return "string";
  if ("t" in v) return "table";
  if ("o" in v) return String(v.o).split(":")[0];
  return "value";
}

/** Bytes of a string value: a JSON string is UTF-8 text, {"b": …} is base64. */
export function stringBytes(v) {
  return typeof v === "string" ? encodeText(v) : unbase64(v.b);
}

/** A float as Lua 5.4 prints it: "%.14g", plus ".0" when it looks like an integer. */
export function formatFloat(f) {
  if (f === "nan") return "nan";
  if (f === "inf") return "inf";
  if (f === "-inf") return "-inf";
  if (f === "-0") return "-0.0";
  if (typeof f !== "number" || !Number.isFinite(f)) return String(f);
  if (f === 0) return Object.is(f, -0) ? "-0.0" : "0.0";
  const text = formatG14(f);
  return /^-?\d+$/.test(text) ? text + ".0" : text;
}

const FLOAT_DIGITS = 14;

// C's "%.14g", which JavaScript lacks: toPrecision rounds a tie up where C
// rounds the exact binary value half to even, so the digits come from the
// float's exact decimal expansion (BigInt) instead.
function formatG14(f) {
  const [digits, exp] = roundedDigits(Math.abs(f), FLOAT_DIGITS);
  const sign = f < 0 ? "-" : "";
  if (exp < -4 || exp >= FLOAT_DIGITS) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}`.replace(/\.?0+$/, "") : digits;
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  let text;
  if (exp < 0) text = "0." + "0".repeat(-exp - 1) + digits;
  else text = digits.slice(0, exp + 1).padEnd(exp + 1, "0") + (digits.length > exp + 1 ? "." + digits.slice(exp + 1) : "");
  return sign + (text.includes(".") ? text.replace(/\.?0+$/, "") : text);
}

// The first `n` significant digits of the positive finite float x, rounded half
// to even, and the decimal exponent of the first one.
function roundedDigits(x, n) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const e2 = (biased === 0 ? 1 : biased) - 1075; // x = mantissa * 2^e2, exactly
  // All digits of x: x = all * 10^-scale.
  const all = e2 >= 0 ? (mantissa << BigInt(e2)).toString() : (mantissa * 5n ** BigInt(-e2)).toString();
  const scale = e2 >= 0 ? 0 : -e2;
  const trimmed = all.replace(/^0+/, "");
  let exp = trimmed.length - 1 - scale;
  if (trimmed.length <= n) return [trimmed, exp];
  let kept = BigInt(trimmed.slice(0, n));
  const rest = trimmed.slice(n);
  const half = rest[0] > "5" || (rest[0] === "5" && /[1-9]/.test(rest.slice(1)));
  const tie = rest[0] === "5" && !/[1-9]/.test(rest.slice(1));
  if (half || (tie && kept % 2n === 1n)) kept += 1n;
  let digits = kept.toString();
  if (digits.length > n) { // 99…9 rounded up to 100…0
    digits = digits.slice(0, n);
    exp += 1;
  }
  return [digits, exp];
}

// Invisible characters (format controls such as a byte order mark, U+FEFF, or
// a zero-width space) are written as \u{…} in a literal, so that the
// inspector shows them; Lua reads the escape back as the same bytes.
const INVISIBLE = /\p{Cf}/u;
const invisibleEscape = (ch) => `\\u{${ch.codePointAt(0).toString(16).toUpperCase()}}`;

/** A string as a Lua literal: "…" with escapes; bytes that are not UTF-8 as \xNN. */
export function quoteString(v) {
  if (typeof v === "string") {
    return `"${v.replace(/[\x00-\x1f"\\\x7f]|\p{Cf}/gu, (c, at) =>
      (INVISIBLE.test(c) ? invisibleEscape(c) : escapeByte(c.charCodeAt(0), v.charCodeAt(at + 1))))}"`;
  }
  const bytes = stringBytes(v);
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = utf8SequenceLength(bytes, i);
    if (n > 1) {
      const ch = lossyText(bytes.subarray(i, i + n));
      out += INVISIBLE.test(ch) ? invisibleEscape(ch) : ch;
      i += n;
      continue;
    }
    out += escapeByte(b, bytes[i + 1]);
    i += 1;
  }
  return out + '"';
}

// One byte of a string literal (ASCII or a byte that is not part of UTF-8 text).
function escapeByte(b, next) {
  const simple = { 0x22: '\\"', 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" }[b];
  if (simple) return simple;
  // As %q writes it: \ddd padded only when a digit follows, so it reads back the same.
  if (b < 0x20 || b === 0x7f) return "\\" + (next >= 0x30 && next <= 0x39 ? String(b).padStart(3, "0") : String(b));
  if (b < 0x80) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, "0")}`;
}

// The length of the valid multi-byte UTF-8 sequence at i, else 1.
function utf8SequenceLength(bytes, i) {
  const b = bytes[i];
  const n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? (b <= 0xef ? 3 : 0) : b >= 0xc2 && b <= 0xdf ? 2 : 0;
  if (n === 0 || i + n > bytes.length) return 1;
  for (let k = 1; k < n; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return 1;
  return textOf(bytes.subarray(i, i + n)) === null ? 1 : n;
}

/** One value as Lua shows it. top: a string at the top is its raw text (as
 *  print shows it); inside a table it is quoted. */
export function formatValue(v, { top = true } = {}) {
  const text = format(v, top, 0);
  return text.length > TEXT_CHARS_MAX ? text.slice(0, TEXT_CHARS_MAX) + "\n… (cut: the value is too long to show)" : text;
}

/** The values a chunk returned: tab-separated as Lua's REPL prints them, one per
 *  line when any of them spans several lines. */
export function formatValues(values) {
  const texts = values.map((v) => formatValue(v));
  return texts.join(texts.some((t) => t.includes("\n")) ? "\n" : "\t");
}

function format(v, top, indent) {
  switch (luaType(v)) {
    case "nil": return "nil";
    case "boolean": return String(v);
    case "integer": return v.i;
    case "float": return formatFloat(v.f);
    case "string":
      if (!top) return quoteString(v);
      return typeof v === "string" ? v : lossyText(stringBytes(v));
    case "table": return formatTable(v.t, indent);
    default: return "o" in v ? String(v.o) : JSON.stringify(v);
  }
}

// The array part (keys 1..n) first, positionally; the other keys as `k = v`.
function formatTable(pairs, indent) {
  if (pairs.length === 0) return "{}";
  const byIndex = new Map();
  for (const [k, val] of pairs) if (luaType(k) === "integer") byIndex.set(k.i, val);
  let n = 0;
  while (byIndex.has(String(n + 1))) n++;
  const items = [];
  for (let i = 1; i <= n; i++) items.push(format(byIndex.get(String(i)), false, indent + 1));
  for (const [k, val] of pairs) {
    if (luaType(k) === "integer" && BigInt(k.i) >= 1n && BigInt(k.i) <= BigInt(n)) continue;
    items.push(`${formatKey(k)} = ${format(val, false, indent + 1)}`);
  }
  const flat = `{${items.join(", ")}}`;
  if (flat.length + indent * 2 <= LINE_WIDTH && !flat.includes("\n")) return flat;
  const pad = "  ".repeat(indent + 1);
  return `{\n${items.map((item) => pad + item).join(",\n")}\n${"  ".repeat(indent)}}`;
}

/** A key as written in a table constructor: `name`, `[1]`, `["two words"]`. */
export function formatKey(k) {
  if (typeof k === "string" && IDENTIFIER.test(k) && !RESERVED.has(k)) return k;
  return `[${format(k, false, 0)}]`;
}

/** A path of keys as Lua code: _home.config.colors[2]. */
export function formatPath(keys, root = "_home") {
  return keys.reduce((path, k) => {
    const key = formatKey(k);
    return path + (key.startsWith("[") ? key : "." + key);
  }, root);
}

/** The literal that, typed back, gives the same value (the inspector's input text). */
export function literalOf(v) {
  switch (luaType(v)) {
    case "integer": return v.i;
    case "float": return formatFloat(v.f);
    case "string": return quoteString(v);
    default: return format(v, false, 0);
  }
}

export class LiteralError extends Error {}

// How the inspector shows the floats Lua has no literal for, read back.
const NON_FINITE = { inf: "inf", "-inf": "-inf", "math.huge": "inf", "-math.huge": "-inf", nan: "nan", "-nan": "nan" };

/**
 * What the user typed, read the way a Lua literal is: `42` an integer, `4.2`
 * or `1e3` a float (`inf`, `-inf`, `nan` too, as they are shown), `true`/`false`,
 * `"text"` or `'text'` a string with Lua's escapes, `{}` an empty table, `nil`
 * null (delete the key), and anything else the text itself as a string.
 */
export function parseLiteral(input) {
  const text = input.trim();
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "nil") return null;
  if (text === "{}") return { t: [] };
  if (Object.hasOwn(NON_FINITE, text)) return { f: NON_FINITE[text] };
  if (/^[+-]?\d+$/.test(text)) {
    const v = BigInt(text);
    // Lua reads a decimal integer that does not fit 64 bits as a float.
    return v >= INT64_MIN && v <= INT64_MAX ? { i: v.toString() } : floatValue(Number(text));
  }
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) {
    const negative = text.startsWith("-");
    // Lua's hexadecimal integers wrap around modulo 2^64.
    const v = BigInt.asIntN(64, BigInt(text.replace(/^[+-]/, "")));
    return { i: (negative ? BigInt.asIntN(64, -v) : v).toString() };
  }
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(text)) return floatValue(Number(text));
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text.at(-1) === text[0]) {
    return wireScalar(unescape(text.slice(1, -1), text[0])); // text when UTF-8, else {"b": …}
  }
  return input;
}

function floatValue(f) {
  if (Number.isNaN(f)) return { f: "nan" };
  if (f === Infinity) return { f: "inf" };
  if (f === -Infinity) return { f: "-inf" };
  if (Object.is(f, -0)) return { f: "-0" };
  return { f };
}

const SIMPLE_ESCAPES = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34, "'": 39, "\n": 10 };

// The body of a quoted Lua string to bytes, with Lua's escapes (§3.1 of the manual).
function unescape(body, quote) {
  const out = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === quote) throw new LiteralError(`an unescaped ${quote} inside the string`);
    if (c !== "\\") {
      const cp = body.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      out.push(...encodeText(ch));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new LiteralError("the string ends with a lone \\");
    if (e in SIMPLE_ESCAPES) { out.push(SIMPLE_ESCAPES[e]); i += 2; continue; }
    if (e === "x") {
      const hex = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new LiteralError("\\x needs two hexadecimal digits");
      out.push(parseInt(hex, 16));
      i += 4;
      continue;
    }
    if (e === "z") {
      i += 2;
      while (i < body.length && /\s/.test(body[i])) i++;
      continue;
    }
    if (e === "u") {
      const m = /^\{([0-9a-fA-F]+)\}/.exec(body.slice(i + 2));
      if (!m) throw new LiteralError("\\u needs a code point in braces: \\u{48}");
      const cp = parseInt(m[1], 16);
      if (cp > 0x10ffff) throw new LiteralError("\\u{…} is past U+10FFFF");
      out.push(...encodeText(String.fromCodePoint(cp)));
      i += 4 + m[1].length; // \\u{…}
      continue;
    }
    const digits = /^\d{1,3}/.exec(body.slice(i + 1));
    if (digits) {
      const b = Number(digits[0]);
      if (b > 255) throw new LiteralError(`\\${digits[0]} is past 255`);
      out.push(b);
      i += 1 + digits[0].length;
      continue;
    }
    throw new LiteralError(`invalid escape \\${e}`);
  }
  return new Uint8Array(out);
}

/** A whole number of 0 or more with commas between groups of three digits (1,234,567), as
 *  toLocaleString("en") writes it, without the ~30 ms the first call of that spends in a fresh
 *  page loading ICU's number formats (the first Run's summary would wait for it). */
export function groupDigits(n) {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** A heap size in kilobytes, as the run summary shows it: 41 KB, 2.5 KB, 1,024 KB. */
export function formatKB(bytes) {
  if (!Number.isFinite(bytes)) return "–";
  const kb = bytes / 1024;
  return `${kb < 10 ? kb.toFixed(1) : groupDigits(Math.round(kb))} KB`;
}

/** A duration for people: 0.42 ms, 12.3 ms, 1.25 s. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

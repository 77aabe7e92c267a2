// The store behind `_home` in the browser (zig/ABI.md §6): a tree of tables,
// each a Map, which keeps insertion order exactly as the ABI asks (a new key
// at the end, an overwrite in place, a delete then set at the end).
// It mirrors server/wasm_compute/_store.py's MemoryStore.

import { ROOT_ID, TableRef, unbase64, wireScalar, encodeText } from "./abi.js";

export class NoSuchTable extends Error {}
export class SnapshotError extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_DEPTH = 10000;

// A Map needs a primitive key: integers and byte strings get distinct prefixes.
function keyId(key) {
  if (typeof key === "bigint") return "i" + key.toString();
  let s = "s";
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]);
  return s;
}

export class HomeStore {
  constructor() {
    this.tables = new Map([[ROOT_ID, new Map()]]);
    this.nextId = ROOT_ID + 1;
    this.saved = null; // during a transaction: table id -> its Map before (null: created in it)
  }

  table(tid) {
    const t = this.tables.get(tid);
    if (!t) throw new NoSuchTable(`no such table: ${tid}`);
    return t;
  }

  // ------------------------------------------------ transactions (ABI §6.1)

  begin() {
    if (this.saved) throw new Error("a transaction is already open");
    this.saved = new Map();
  }

  inTransaction() { return this.saved !== null; }

  commit() { this.saved = null; }

  rollback() {
    if (!this.saved) return;
    for (const [tid, before] of this.saved) {
      if (before === null) this.tables.delete(tid);
      else this.tables.set(tid, before);
    }
    this.saved = null;
  }

  // Copy-on-write: the first change to a table in a transaction keeps its
  // previous Map, so a rollback restores values and order exactly.
  touch(tid) {
    const t = this.table(tid);
    if (!this.saved) throw new Error("writes need a transaction");
    if (!this.saved.has(tid)) this.saved.set(tid, new Map(t));
    return t;
  }

  // ------------------------------------------------ reads

  get(tid, key) {
    const e = this.table(tid).get(keyId(key));
    return e === undefined ? null : e[1];
  }

  entries(tid) { return [...this.table(tid).values()]; }

  size(tid) { return this.table(tid).size; }

  // ------------------------------------------------ writes

  set(tid, key, value) {
    const t = this.touch(tid);
    const id = keyId(key);
    this.freeValue(t.get(id));
    t.set(id, [key, value]);
  }

  setNewTable(tid, key) {
    const t = this.touch(tid);
    const id = keyId(key);
    this.freeValue(t.get(id));
    const child = this.nextId++;
    this.tables.set(child, new Map());
    this.saved.set(child, null);
    t.set(id, [key, new TableRef(child)]);
    return child;
  }

  delete(tid, key) {
    const t = this.table(tid);
    const id = keyId(key);
    if (!t.has(id)) return;
    this.touch(tid);
    this.freeValue(t.get(id));
    t.delete(id);
  }

  // A removed table takes its whole subtree with it; iteratively, for deep trees.
  freeValue(entry) {
    if (!entry || !(entry[1] instanceof TableRef)) return;
    const stack = [entry[1].id];
    while (stack.length) {
      const tid = stack.pop();
      const t = this.tables.get(tid);
      if (!t) continue;
      if (this.saved && !this.saved.has(tid)) this.saved.set(tid, t);
      for (const [, v] of t.values()) if (v instanceof TableRef) stack.push(v.id);
      this.tables.delete(tid);
    }
  }

  // ------------------------------------------------ the typed JSON (ABI §10)

  /** The tree under `tid` as typed JSON, in the store's order. */
  dump(tid = ROOT_ID) {
    const root = [];
    const stack = [[tid, root]];
    while (stack.length) {
      const [table, out] = stack.pop();
      for (const [k, v] of this.table(table).values()) {
        if (v instanceof TableRef) {
          const child = [];
          stack.push([v.id, child]);
          out.push([wireScalar(k), { t: child }]);
        } else out.push([wireScalar(k), wireScalar(v)]);
      }
    }
    return { t: root };
  }

  /** Replaces `_home` by a snapshot; validates all of it first, so a bad
   *  snapshot changes nothing. */
  load(data) {
    const entries = parseSnapshot(data);
    this.begin();
    try {
      for (const [k] of this.entries(ROOT_ID)) this.delete(ROOT_ID, k);
      const stack = [[ROOT_ID, entries]];
      while (stack.length) {
        const [tid, items] = stack.pop();
        for (const [k, v] of items) {
          if (Array.isArray(v)) stack.push([this.setNewTable(tid, k), v]);
          else this.set(tid, k, v);
        }
      }
    } catch (e) {
      this.rollback();
      throw e;
    }
    this.commit();
  }
}

export function parseSnapshot(data) {
  if (!isObject(data) || Object.keys(data).length !== 1 || !("t" in data))
    throw new SnapshotError('home: the snapshot must be a table {"t": [...]}');
  return parseTable(data, "home", 0);
}

function isObject(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }

function parseTable(node, path, depth) {
  if (depth > MAX_DEPTH) throw new SnapshotError(`${path}: nested deeper than ${MAX_DEPTH} levels`);
  if (!Array.isArray(node.t)) throw new SnapshotError(`${path}: "t" must be a list of [key, value] pairs`);
  const out = [];
  const seen = new Set();
  node.t.forEach((pair, n) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new SnapshotError(`${path}: entry ${n} is not a [key, value] pair`);
    const key = parseValue(pair[0], `${path} key ${n}`);
    if (typeof key !== "bigint" && !(key instanceof Uint8Array))
      throw new SnapshotError(`${path}: key ${n} must be an integer or a string`);
    const id = keyId(key);
    if (seen.has(id)) throw new SnapshotError(`${path}: key ${JSON.stringify(pair[0])} appears twice`);
    seen.add(id);
    const where = `${path}[${JSON.stringify(pair[0])}]`;
    const v = pair[1];
    if (isObject(v) && Object.keys(v).length === 1 && "t" in v) out.push([key, parseTable(v, where, depth + 1)]);
    else out.push([key, parseValue(v, where)]);
  });
  return out;
}

function parseValue(node, path) {
  if (node === true || node === false) return node;
  if (typeof node === "string") return encodeText(node);
  if (isObject(node) && Object.keys(node).length === 1) {
    const [[tag, payload]] = Object.entries(node);
    if (tag === "i" && typeof payload === "string" && /^-?\d+$/.test(payload)) {
      const v = BigInt(payload);
      if (v >= INT64_MIN && v <= INT64_MAX) return v;
    } else if (tag === "f") {
      const special = { nan: NaN, inf: Infinity, "-inf": -Infinity, "-0": -0 };
      if (typeof payload === "string" && payload in special) return special[payload];
      if (typeof payload === "number" && Number.isFinite(payload)) return payload;
    } else if (tag === "b" && typeof payload === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(payload)) {
      try { return unbase64(payload); } catch { /* not base64: refused below */ }
    }
  }
  const text = JSON.stringify(node) ?? String(node);
  throw new SnapshotError(`${path}: ${text.length > 60 ? text.slice(0, 57) + "..." : text} is not a value of a _home snapshot`);
}

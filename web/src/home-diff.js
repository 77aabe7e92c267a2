// What one run changed in _home: the two snapshots (typed JSON, zig/ABI.md
// §10) compared key by key, down into tables that are in both. A key is
// "added", "changed" (with its old value) or "removed" (with its old value);
// a table in both is looked into instead of being called changed.

import { luaType } from "./format.js";

const keyId = (key) => JSON.stringify(key);

/** Map from JSON.stringify(path) (path: the list of keys) to {kind, old, path}. */
export function homeChanges(before, after) {
  const changes = new Map();
  compare(before, after, [], changes);
  return changes;
}

function compare(before, after, path, changes) {
  const old = new Map(before.t.map(([k, v]) => [keyId(k), [k, v]]));
  for (const [key, value] of after.t) {
    const at = [...path, key];
    const was = old.get(keyId(key));
    old.delete(keyId(key));
    if (!was) changes.set(JSON.stringify(at), { kind: "added", old: null, path: at });
    else if (luaType(was[1]) === "table" && luaType(value) === "table") compare(was[1], value, at, changes);
    else if (JSON.stringify(was[1]) !== JSON.stringify(value)) changes.set(JSON.stringify(at), { kind: "changed", old: was[1], path: at });
  }
  for (const [key, value] of old.values()) {
    const at = [...path, key];
    changes.set(JSON.stringify(at), { kind: "removed", old: value, path: at });
  }
}

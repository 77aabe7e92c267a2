// The _home inspector: the snapshot (typed JSON, zig/ABI.md §10) as a tree
// of collapsible tables, where a scalar can be edited in place and a key
// deleted. It never changes _home itself: every edit builds a new snapshot
// from a deep copy and hands it to onChange (the page calls client.setHome).
// After a run it also marks what the run changed (home-diff.js): keys added,
// changed (the old value on hover) and removed (shown struck through).

import { luaType, literalOf, parseLiteral, formatKey, formatPath, LiteralError } from "./format.js";

// Past this many entries a table shows the first ones and a count of the rest.
const ENTRIES_SHOWN_MAX = 500;
// Tables this deep or larger start collapsed (until the user opens them).
const OPEN_DEPTH_MAX = 3;
const OPEN_ENTRIES_MAX = 100;

const sameKey = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The new snapshot with the value at `path` (a list of keys) replaced, or removed when value is null. */
export function withValue(snapshot, path, value) {
  const copy = structuredClone(snapshot);
  let table = copy;
  for (const key of path.slice(0, -1)) {
    const entry = table.t.find(([k]) => sameKey(k, key));
    if (!entry || luaType(entry[1]) !== "table") throw new Error(`${formatPath(path)} is gone`);
    table = entry[1];
  }
  const last = path.at(-1);
  const at = table.t.findIndex(([k]) => sameKey(k, last));
  if (value === null) {
    if (at >= 0) table.t.splice(at, 1);
  } else if (at >= 0) table.t[at][1] = value;
  else table.t.push([last, value]);
  return copy;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function typeLabel(v) {
  const type = luaType(v);
  if (type !== "table") return type;
  const n = v.t.length;
  return `table · ${n} ${n === 1 ? "entry" : "entries"}`;
}

export class Inspector {
  /** root: the element to fill; onChange(snapshot): the user changed _home. */
  constructor(root, { onChange }) {
    this.root = root;
    this.onChange = onChange;
    this.openState = new Map(); // path id -> open, for tables the user opened or closed
    this.snapshot = { t: [] };
    this.pending = false; // a render waits for the input being edited
    this.tree = el("fieldset", { class: "tree" });
    this.count = root.querySelector("[data-home-count]");
    root.querySelector("[data-home-body]").append(this.tree);
    root.addEventListener("focusout", (e) => {
      if (this.pending && !this.root.contains(e.relatedTarget)) this.render(this.snapshot);
    });
  }

  /** Disables editing (during a run, whose result would overwrite an edit). */
  setBusy(busy) { this.tree.disabled = busy; }

  /** changes: what the last run changed (homeChanges), or null to mark nothing. */
  render(snapshot, changes = null) {
    this.snapshot = snapshot;
    this.changes = changes ?? new Map();
    // Another tab's change must not wipe out what the user is typing.
    const active = document.activeElement;
    if (active?.matches?.("input.value") && this.tree.contains(active) && active.value !== active.defaultValue) {
      this.pending = true;
      return;
    }
    this.pending = false;
    // Keep the focus on the same value across the re-render (e.g. after Enter saved it).
    const focused = this.tree.contains(active) ? active.getAttribute("aria-label") : null;
    this.draw(snapshot);
    if (focused) this.tree.querySelector(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
  }

  draw(snapshot) {
    const n = snapshot.t.length;
    if (this.count) this.count.textContent = n === 0 ? "empty" : `${n} ${n === 1 ? "key" : "keys"}`;
    if (n === 0 && this.changes.size === 0) {
      this.tree.replaceChildren(el("p", { class: "empty" },
        "Nothing stored yet. A script keeps data between runs in ",
        el("code", { text: "_home" }), ", e.g. ", el("code", { text: "_home.n = 1" }), "."));
      return;
    }
    this.tree.replaceChildren(this.list(snapshot.t, [], 0));
  }

  list(entries, path, depth) {
    const ul = el("ul", { class: depth === 0 ? "entries root" : "entries" });
    for (const [key, value] of entries.slice(0, ENTRIES_SHOWN_MAX)) ul.append(this.entry(key, value, [...path, key], depth));
    for (const change of this.changes.values()) {
      if (change.kind === "removed" && change.path.length === path.length + 1 && sameKey(change.path.slice(0, -1), path)) {
        ul.append(this.removed(change));
      }
    }
    if (entries.length > ENTRIES_SHOWN_MAX) {
      ul.append(el("li", { class: "more", text: `… and ${entries.length - ENTRIES_SHOWN_MAX} more` }));
    }
    return ul;
  }

  // A key the last run removed: its name struck through, its old value on hover.
  removed(change) {
    const name = formatPath(change.path);
    return el("li", { class: "entry" }, el("div", { class: "row removed" },
      el("span", { class: "key", title: name, text: formatKey(change.path.at(-1)) }),
      this.badge(change)));
  }

  // "added", "changed" or "removed", for sight and for screen readers; the old value on hover.
  badge(change) {
    const was = change.old === null ? "" : luaType(change.old) === "table" ? "a table" : literalOf(change.old);
    const badge = el("span", { class: `change ${change.kind}`, text: change.kind });
    if (change.old !== null) {
      badge.title = `was ${was}`;
      badge.setAttribute("aria-label", `${change.kind}, was ${was}`);
    }
    return badge;
  }

  entry(key, value, path, depth) {
    const name = formatPath(path);
    const keyEl = el("span", { class: "key", title: name, text: formatKey(key) });
    const typeEl = el("span", { class: "type", text: typeLabel(value) });
    // The name is "Delete" alone (the key is in the description): a key is
    // user data, and a button named after it could also answer to "Run".
    const del = el("button", { type: "button", class: "delete", title: `Delete ${name}`, "aria-label": "Delete", text: "×" });
    del.addEventListener("click", () => this.commit(path, null));

    if (luaType(value) === "table") {
      // A button that opens and closes the table, beside the delete button: a <summary>
      // holding both would nest one control in another, which screen readers cannot tell apart.
      const id = JSON.stringify(path);
      const open = this.openState.get(id) ?? (depth < OPEN_DEPTH_MAX && value.t.length <= OPEN_ENTRIES_MAX);
      const toggle = el("button", { type: "button", class: "toggle", "aria-expanded": String(open) }, keyEl, typeEl);
      const body = value.t.length ? this.list(value.t, path, depth + 1) : el("p", { class: "empty small", text: "empty table" });
      body.hidden = !open;
      toggle.addEventListener("click", () => {
        body.hidden = !body.hidden;
        toggle.setAttribute("aria-expanded", String(!body.hidden));
        this.openState.set(id, !body.hidden);
      });
      const change = this.changes.get(JSON.stringify(path));
      const row = el("div", { class: "row table-row" }, toggle, ...(change ? [this.badge(change)] : []), del);
      return el("li", { class: "entry table" }, row, body);
    }

    const input = el("input", {
      class: `value t-${luaType(value)}`,
      type: "text",
      spellcheck: "false",
      autocomplete: "off",
      "aria-label": name,
      title: `${name}: a Lua value (42, 4.2, true, "text", {} or nil to delete); Enter saves, Esc undoes`,
    });
    input.value = literalOf(value);
    input.defaultValue = input.value;
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        this.save(input, path);
      } else if (e.key === "Escape") {
        input.value = input.defaultValue;
        this.invalid(input, null);
      }
    });
    input.addEventListener("input", () => this.invalid(input, null));
    input.addEventListener("change", () => this.save(input, path)); // on blur with a changed value
    const change = this.changes.get(JSON.stringify(path));
    return el("li", { class: "entry" }, el("div", { class: "row" }, keyEl, input, typeEl, ...(change ? [this.badge(change)] : []), del));
  }

  save(input, path) {
    if (input.value === input.defaultValue) return;
    let value;
    try {
      value = parseLiteral(input.value);
    } catch (e) {
      if (!(e instanceof LiteralError)) throw e;
      this.invalid(input, e.message);
      return;
    }
    input.defaultValue = input.value; // a later change event for the same text saves nothing
    this.commit(path, value);
  }

  invalid(input, message) {
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.title = message;
    } else input.removeAttribute("aria-invalid");
  }

  commit(path, value) {
    this.pending = false;
    this.onChange(withValue(this.snapshot, path, value));
  }
}

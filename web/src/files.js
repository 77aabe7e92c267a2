// The playground's files: main.lua, which runs, and any number of modules
// beside it (util.lua is what `require("util")` loads), shown as tabs above
// the one editor. Each file keeps its own editor state (text, undo history,
// error line); the tabs add, rename, delete and switch files. main.lua can be
// neither renamed nor deleted.

export const MAIN_FILE = "main.lua";
// A module's file: `require("a.b")` finds a.b.lua (the host's searcher, zig/ABI.md).
const FILE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\.lua$/;

/** The module name of a file (util.lua → util). */
export const moduleName = (file) => file.slice(0, -".lua".length);

/** Why `name` cannot name a new file beside `taken` (a list of names), or null when it can. */
export function nameProblem(name, taken) {
  if (!FILE_NAME.test(name)) return `“${name}” is not a module's file name: letters, digits and _, dots between parts, ending in .lua (e.g. util.lua)`;
  if (taken.includes(name)) return `there is already a file named ${name}`;
  return null;
}

/** Files from a share or a draft, checked: [{name, code}], main.lua first, no name twice; null when they are not that. */
export function checkedFiles(files) {
  if (!Array.isArray(files) || files.length === 0) return null;
  const names = [];
  for (const file of files) {
    if (typeof file?.name !== "string" || typeof file.code !== "string") return null;
    if (file.name !== MAIN_FILE && nameProblem(file.name, names) !== null) return null;
    names.push(file.name);
  }
  return names[0] === MAIN_FILE && names.indexOf(MAIN_FILE, 1) < 0 ? files.map(({ name, code }) => ({ name, code })) : null;
}

/** Where an error points into one of `names`: its message's `file:line:` first (on any of
 *  its lines: a module that does not compile is named on the second), else the traceback's
 *  first line in one of them; {name, line} or null. */
export function errorPlace(error, names) {
  const lines = [...(error?.message ?? "").split("\n"), ...(error?.traceback ?? "").split("\n").slice(1)];
  for (const text of lines) {
    const match = /^\s*([^:\s][^:\n]*):(\d+):/.exec(text);
    if (match && names.includes(match[1])) return { name: match[1], line: Number(match[2]) };
  }
  return null;
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The tabs of files named `names`, the `active`-th selected, controlling the element `panelId`. */
export function tabElements(names, active, panelId) {
  return names.map((name, i) => el("button", {
    type: "button", role: "tab", id: `tab-${i}`, class: "tab",
    "aria-selected": String(i === active), "aria-controls": panelId, tabindex: i === active ? "0" : "-1",
  }, name));
}

export class Files {
  /**
   * tabs: the tablist element; panel: the editor's element (the tabpanel);
   * buttons: {add, rename, remove}; editor: from createEditor;
   * onChange(): the set of files or a file's name changed; say(text): a short message.
   */
  constructor({ tabs, panel, buttons, editor, onChange, say }) {
    Object.assign(this, { tabs, panel, buttons, editor, onChange, say });
    this.files = [{ name: MAIN_FILE, state: editor.view.state }];
    this.active = 0;
    this.renaming = null; // the input of a rename under way
    buttons.add.addEventListener("click", () => this.add());
    buttons.rename.addEventListener("click", () => this.startRename());
    buttons.remove.addEventListener("click", () => this.remove());
    // Arrow keys move between tabs, as in any tablist (WAI-ARIA's tabs pattern).
    tabs.addEventListener("keydown", (e) => {
      if (e.target.getAttribute("role") !== "tab") return;
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      this.select(this.files[(this.active + step + this.files.length) % this.files.length].name);
      this.tabs.querySelector('[aria-selected="true"]')?.focus();
    });
    this.draw();
  }

  names() { return this.files.map((f) => f.name); }

  stateOf(i) { return i === this.active ? this.editor.view.state : this.files[i].state; }

  /** Every file as {name, code}, main.lua first. */
  list() { return this.files.map((f, i) => ({ name: f.name, code: this.stateOf(i).doc.toString() })); }

  /** The modules of a run: {util: source of util.lua, …}, every file but main.lua. */
  modules() {
    return Object.fromEntries(this.list().slice(1).map((f) => [moduleName(f.name), f.code]));
  }

  code(name) { return this.list().find((f) => f.name === name)?.code; }

  /** Replaces every file (checkedFiles' list) and shows main.lua. */
  set(files) {
    // The editor's own state serves the first file when it holds that text already (the
    // page makes the editor with it): the view is then not drawn a second time.
    const shown = this.editor.view.state;
    this.files = files.map((f, i) => ({
      name: f.name,
      state: i === 0 && shown.doc.toString() === f.code ? shown : this.editor.newState(f.code),
    }));
    this.active = 0;
    this.editor.swap(this.files[0].state);
    this.draw();
  }

  select(name) {
    const i = this.files.findIndex((f) => f.name === name);
    if (i < 0 || i === this.active) return;
    this.files[this.active].state = this.editor.swap(this.files[i].state);
    this.active = i;
    this.draw();
  }

  /** Marks line `line` of file `name` as the error's and shows that file. */
  markError(name, line, message) {
    this.select(name);
    this.editor.markError(line, message);
  }

  clearErrors() {
    this.files.forEach((f, i) => {
      if (i !== this.active) f.state = f.state.update({ effects: this.editor.clearErrorEffect() }).state;
    });
    this.editor.clearError();
  }

  // A new file under a free name, then its rename, so the user names it at once.
  add() {
    const taken = this.names();
    let n = 1;
    while (taken.includes(n === 1 ? "util.lua" : `util${n}.lua`)) n++;
    const name = n === 1 ? "util.lua" : `util${n}.lua`;
    this.files.push({ name, state: this.editor.newState("") });
    this.select(name);
    this.onChange();
    this.startRename();
  }

  remove() {
    if (this.active === 0) return;
    const { name } = this.files[this.active];
    const code = this.code(name);
    if (code.trim() !== "" && !confirm(`Delete ${name}? Its code is lost.`)) return;
    this.files[this.active].state = this.editor.view.state;
    this.files.splice(this.active, 1);
    this.active = Math.min(this.active, this.files.length - 1);
    this.editor.swap(this.files[this.active].state);
    this.draw();
    this.onChange();
    this.say(`Deleted ${name}`);
  }

  startRename() {
    if (this.active === 0) return;
    const tab = this.tabs.querySelector('[aria-selected="true"]');
    const input = el("input", { type: "text", class: "tab-rename", "aria-label": "File name", spellcheck: "false", autocomplete: "off" });
    input.value = this.files[this.active].name;
    tab.replaceWith(input);
    this.renaming = input;
    input.focus();
    input.setSelectionRange(0, input.value.length - ".lua".length);
    // Enter with a name that cannot be stays in the field; leaving it keeps the old name.
    const finish = (keep, { retry = true } = {}) => {
      if (this.renaming !== input) return;
      if (keep && !this.rename(input.value.trim()) && retry) return;
      this.renaming = null;
      this.draw();
      this.editor.focus();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true); }
      else if (e.key === "Escape") { e.preventDefault(); finish(false); }
    });
    input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
    input.addEventListener("blur", () => finish(true, { retry: false }));
  }

  // Whether the active file now has name `wanted` (".lua" added when left out).
  rename(wanted) {
    const name = wanted.endsWith(".lua") ? wanted : `${wanted}.lua`;
    const file = this.files[this.active];
    if (name === file.name) return true;
    const problem = name === MAIN_FILE ? "main.lua is the file that runs; choose another name"
      : nameProblem(name, this.names());
    if (problem) {
      this.renaming.setAttribute("aria-invalid", "true");
      this.renaming.title = problem;
      this.say(problem);
      return false;
    }
    file.name = name;
    this.onChange();
    return true;
  }

  draw() {
    const tabs = tabElements(this.names(), this.active, this.panel.id);
    tabs.forEach((tab, i) => {
      const { name } = this.files[i];
      tab.addEventListener("click", () => this.select(name));
      tab.addEventListener("dblclick", () => this.startRename());
      tab.addEventListener("keydown", (e) => { if (e.key === "F2") { e.preventDefault(); this.startRename(); } });
    });
    this.tabs.replaceChildren(...tabs);
    this.panel.setAttribute("aria-labelledby", `tab-${this.active}`);
    const isMain = this.active === 0;
    this.buttons.rename.disabled = isMain;
    this.buttons.remove.disabled = isMain;
    const name = this.files[this.active].name;
    this.buttons.rename.title = isMain ? "main.lua cannot be renamed" : `Rename ${name} (F2)`;
    this.buttons.remove.title = isMain ? "main.lua cannot be deleted" : `Delete ${name}`;
  }
}

// The "Keyboard shortcuts" panel: every shortcut of the page, in one list
// (the editor's are CodeMirror's default keymap, src/editor.js). Ctrl is Cmd
// (⌘) on a Mac, as CodeMirror's "Mod" is.

const MAC = /Mac|iPhone|iPad/.test(navigator.platform);
const mod = (keys) => (MAC ? keys.replaceAll("Ctrl", "⌘") : keys);

export const SHORTCUTS = [
  ["Anywhere", [
    ["Ctrl+Enter", "Run main.lua"],
    ["Tab, Shift+Tab", "Move between the page's controls"],
  ]],
  ["In the editor", [
    ["Shift+Alt+F", "Format the file with StyLua"],
    ["Ctrl+Z, Ctrl+Shift+Z (Ctrl+Y)", "Undo, redo"],
    ["Tab, Shift+Tab", "Indent, unindent the line or selection"],
    ["Esc, then Tab", "Leave the editor (Tab indents otherwise); Ctrl+M makes Tab always leave it"],
    ["Ctrl+/", "Comment or uncomment the line (--)"],
    ["Shift+Alt+A", "Comment or uncomment the selection (--[[ ]])"],
    ["Alt+↑, Alt+↓", "Move the line up, down"],
    ["Shift+Alt+↑, Shift+Alt+↓", "Copy the line up, down"],
    ["Ctrl+Shift+K", "Delete the line"],
    ["Ctrl+], Ctrl+[", "Indent more, less"],
    ["Ctrl+Alt+↑, Ctrl+Alt+↓", "Add a cursor above, below"],
    ["Alt+L", "Select the line"],
    ["Ctrl+Shift+\\", "Go to the matching bracket"],
  ]],
  ["On a file's tab", [
    ["←, →", "Show the previous, next file"],
    ["F2", "Rename the file (Enter keeps the name, Esc cancels)"],
  ]],
  ["In the _home inspector", [
    ["Enter", "Save the value typed"],
    ["Esc", "Undo the value typed"],
  ]],
  ["With Vim keys on", [
    ["Esc, i, a, o, :", "Vim's normal, insert and command modes (CodeMirror's vim mode)"],
  ]],
];

/** Fills `root` (the panel's body) with one table per group. */
export function fillShortcuts(root) {
  for (const [group, rows] of SHORTCUTS) {
    const table = document.createElement("table");
    table.className = "shortcuts";
    const caption = table.createCaption();
    caption.textContent = group;
    const head = table.createTHead().insertRow();
    for (const title of ["Keys", "Does"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = title;
      head.append(th);
    }
    const body = table.createTBody();
    for (const [keys, does] of rows) {
      const row = body.insertRow();
      const kbd = document.createElement("kbd");
      kbd.textContent = mod(keys);
      row.insertCell().append(kbd);
      row.insertCell().textContent = does;
    }
    root.append(table);
  }
}

// The editor of the page's first moments: a <textarea> with main.lua's text,
// drawn as CodeMirror draws it (style.css: the same font, line height and
// padding), in which the visitor can type, select and scroll while
// CodeMirror (src/editor.js, ~300 KB to evaluate and ~40 ms to build) loads
// after the page is ready. Runs, shares and the draft read the files from it
// meanwhile, as they read them from Files afterwards. handOver() gives its
// text, selection, scroll and focus to CodeMirror: the page makes CodeMirror
// and takes the textarea out in the same task, so a key pressed during the
// upgrade reaches one of the two and is never lost.

import { MAIN_FILE, moduleName, tabElements } from "./files.js";

export class PlainEditor {
  /**
   * textarea: the page's <textarea> (hidden until now); files: the draft's [{name, code}],
   * main.lua first; tabs, panel: the tablist and the editor's element (Files draws the same
   * tabs); onChange(): called after every change of the text.
   */
  constructor(textarea, files, { tabs, panel, onChange }) {
    this.textarea = textarea;
    this.others = files.slice(1);
    this.composing = false;
    this.compositionEnded = null;
    textarea.value = files[0].code;
    textarea.hidden = false;
    textarea.addEventListener("input", () => onChange());
    // An input method's composition under way is the visitor's, not yet the text's: the
    // upgrade waits for its end (settled) rather than cut it.
    textarea.addEventListener("compositionstart", () => { this.composing = true; });
    textarea.addEventListener("compositionend", () => {
      this.composing = false;
      this.compositionEnded?.();
    });
    tabs.replaceChildren(...tabElements(this.names(), 0, panel.id));
    panel.setAttribute("aria-labelledby", "tab-0");
  }

  names() { return [MAIN_FILE, ...this.others.map((f) => f.name)]; }

  /** Every file as {name, code}, main.lua first. */
  list() { return [{ name: MAIN_FILE, code: this.textarea.value }, ...this.others]; }

  /** The modules of a run: {util: source of util.lua, …}, every file but main.lua. */
  modules() { return Object.fromEntries(this.others.map((f) => [moduleName(f.name), f.code])); }

  code(name) { return this.list().find((f) => f.name === name)?.code; }

  /** Resolves when no composition is under way. */
  settled() {
    if (!this.composing) return Promise.resolve();
    return new Promise((resolve) => { this.compositionEnded = resolve; });
  }

  /** Takes the textarea out of the page; returns what CodeMirror is to show instead: the
   *  files, main.lua's selection ({anchor, head}, offsets in its text), its scroll
   *  ({top, left}, pixels) and whether it had the focus. */
  handOver() {
    const t = this.textarea;
    const backward = t.selectionDirection === "backward";
    const state = {
      files: this.list(),
      selection: { anchor: backward ? t.selectionEnd : t.selectionStart, head: backward ? t.selectionStart : t.selectionEnd },
      scroll: { top: t.scrollTop, left: t.scrollLeft },
      focused: document.activeElement === t,
    };
    t.remove();
    return state;
  }
}

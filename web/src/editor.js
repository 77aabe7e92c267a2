// The code editor: CodeMirror 6 with Lua highlighting, and the one piece of
// state the page adds to it, the line of the last error (a line decoration and
// a gutter marker, cleared by the next edit or run). One view shows one file
// at a time; each file keeps its own EditorState (its text, selection, undo
// history and error line), made by newState and shown by swap.

import { Compartment, EditorState, Prec, StateEffect, StateField, RangeSet } from "@codemirror/state";
import {
  EditorView, Decoration, GutterMarker, gutter, keymap, lineNumbers, highlightActiveLine,
  highlightActiveLineGutter, highlightSpecialChars, drawSelection, dropCursor, rectangularSelection,
  crosshairCursor,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  StreamLanguage, HighlightStyle, syntaxHighlighting, bracketMatching, indentOnInput, indentUnit,
} from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";
import { tags } from "@lezer/highlight";

// The Lua mode, with `_home` told apart from other names: it is the one
// variable of this sandbox that outlives a run.
const luaWithHome = StreamLanguage.define({
  ...lua,
  token(stream, state) {
    const style = lua.token(stream, state);
    return style === "variable" && stream.current() === "_home" ? "variable-2" : style;
  },
});

// Colours come from CSS variables (style.css), so light and dark follow the page.
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--tok-keyword)", fontWeight: "600" },
  { tag: [tags.standard(tags.variableName)], color: "var(--tok-builtin)" },
  { tag: tags.special(tags.variableName), color: "var(--tok-home)", fontWeight: "600" },
  { tag: tags.string, color: "var(--tok-string)" },
  { tag: tags.number, color: "var(--tok-number)" },
  { tag: tags.comment, color: "var(--tok-comment)", fontStyle: "italic" },
  { tag: tags.variableName, color: "var(--tok-name)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", backgroundColor: "var(--editor-bg)", color: "var(--text)", fontSize: "var(--editor-font-size)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.6" },
  ".cm-content": { caretColor: "var(--accent)", padding: "10px 0" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--accent)", borderLeftWidth: "2px" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
    { backgroundColor: "var(--selection)" },
  ".cm-gutters": { backgroundColor: "var(--editor-bg)", color: "var(--text-faint)", border: "none" },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 10px 0 14px", minWidth: "36px" },
  ".cm-activeLine": { backgroundColor: "var(--active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "transparent", color: "var(--text-muted)" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--bracket-match)", outline: "1px solid var(--bracket-outline)" },
  "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "var(--error-bg)" },
  // Vim's command line and status are a CodeMirror panel under the text.
  ".cm-panels": { backgroundColor: "var(--panel-head)", color: "var(--text)" },
  ".cm-panels-bottom": { borderTop: "1px solid var(--border)" },
  ".cm-panels input": { color: "var(--text)", backgroundColor: "transparent" },
  ".cm-error-line": { backgroundColor: "var(--error-line)", boxShadow: "inset 3px 0 0 var(--error)" },
  ".cm-error-gutter": { width: "18px" },
  ".cm-error-marker": { color: "var(--error)", fontWeight: "700", textAlign: "center", cursor: "default" },
});

// ------------------------------------------------------------ the error line

const setErrorLine = StateEffect.define(); // value: {line, message} or null

class ErrorMarker extends GutterMarker {
  constructor(message) { super(); this.message = message; }
  eq(other) { return other.message === this.message; }
  toDOM() {
    const el = document.createElement("span");
    el.className = "cm-error-marker";
    el.textContent = "●";
    el.title = this.message;
    el.setAttribute("aria-label", `error: ${this.message}`);
    return el;
  }
}

// {line, message, from} or null; any edit clears it (the line numbers it named are stale).
const errorLine = StateField.define({
  create: () => null,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setErrorLine)) value = e.value;
    if (tr.docChanged) return null;
    if (value && value.from === undefined) {
      const line = tr.state.doc.line(Math.min(Math.max(1, value.line), tr.state.doc.lines));
      value = { ...value, from: line.from };
    }
    return value;
  },
  provide: (field) => [
    EditorView.decorations.from(field, (value) => value
      ? Decoration.set([Decoration.line({ class: "cm-error-line" }).range(value.from)])
      : Decoration.none),
  ],
});

const errorGutter = gutter({
  class: "cm-error-gutter",
  markers: (view) => {
    const value = view.state.field(errorLine);
    return value ? RangeSet.of([new ErrorMarker(value.message).range(value.from)]) : RangeSet.empty;
  },
  initialSpacer: () => new ErrorMarker(""),
});

// ------------------------------------------------------------ the editor

// On a phone, long lines wrap: scrolling sideways in a small editor is hard.
const narrowScreen = matchMedia("(max-width: 700px)");
const wrapping = new Compartment();
// The empty extension, one object: a compartment that holds it needs no reconfiguring to it.
const NONE = [];
const wrapLines = () => (narrowScreen.matches ? EditorView.lineWrapping : NONE);
// The key bindings' mode: none (CodeMirror's own), or Vim's (src/vim.js, loaded when switched on).
const keyMode = new Compartment();

/**
 * Makes the editor in `parent`, showing `doc` with `selection` ({anchor, head}: offsets in
 * doc; none: the cursor at its start). onRun: called by Ctrl/Cmd+Enter; onFormat: called by
 * Shift+Alt+F; onChange(code): called after every change of the text.
 */
export function createEditor(parent, { doc = "", selection = undefined, onRun = () => {}, onFormat = () => {}, onChange = () => {} } = {}) {
  // Vim's bindings go first, ahead of the other keymaps, as @replit/codemirror-vim asks.
  let keys = NONE;
  const extensions = [
    keyMode.of(NONE),
    lineNumbers(),
    errorGutter,
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of("  "),
    EditorState.tabSize.of(2),
    luaWithHome,
    syntaxHighlighting(highlight),
    bracketMatching(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    errorLine,
    wrapping.of(wrapLines()),
    // Ahead of the default keymap, whose Mod-Enter inserts a blank line.
    Prec.highest(keymap.of([
      { key: "Mod-Enter", run: () => { onRun(); return true; } },
      { key: "Shift-Alt-f", run: () => { onFormat(); return true; } },
    ])),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    EditorView.contentAttributes.of({ "aria-label": "Lua code" }),
    EditorView.updateListener.of((update) => { if (update.docChanged) onChange(update.state.doc.toString()); }),
    theme,
  ];
  const newState = (text) => EditorState.create({ doc: text, extensions });
  // Reconfiguring recomputes the whole configuration of the state: not done when nothing changed.
  const configure = () => {
    if (wrapping.get(view.state) === wrapLines() && keyMode.get(view.state) === keys) return;
    view.dispatch({ effects: [wrapping.reconfigure(wrapLines()), keyMode.reconfigure(keys)] });
  };
  const view = new EditorView({ parent, state: EditorState.create({ doc, selection, extensions }) });

  narrowScreen.addEventListener("change", configure);

  return {
    view,

    code: () => view.state.doc.toString(),

    /** A new file's state: `text` with this editor's setup and an empty history. */
    newState,

    /** Shows `state` (another file's) and returns the one it replaces, as it was. */
    swap(state) {
      const old = view.state;
      if (state !== old) view.setState(state);
      configure(); // the screen or the key mode may have changed since this state was shown
      return old;
    },

    /** Sets the key bindings' mode: an extension (Vim's), or [] for CodeMirror's own. */
    setKeyMode(extension) {
      keys = extension.length === 0 ? NONE : extension;
      configure();
    },
    /** Replaces the whole text as one undoable change (Ctrl+Z brings the old text back). */
    setCode(text) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        selection: { anchor: 0 },
        scrollIntoView: true,
        userEvent: "input.replace",
      });
    },

    /** Replaces the whole text as one undoable change, the cursor kept where it was (or at the end). */
    replaceKeepingCursor(text) {
      const head = Math.min(view.state.selection.main.head, text.length);
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        selection: { anchor: head },
        scrollIntoView: true,
        userEvent: "input.format",
      });
    },

    /** Marks line `line` (1-based) as the error's, and brings it into view, the page included. */
    markError(line, message) {
      const doc = view.state.doc;
      const target = doc.line(Math.min(Math.max(1, line), doc.lines));
      view.dispatch({
        effects: [
          setErrorLine.of({ line: target.number, message }),
          EditorView.scrollIntoView(target.from, { y: "center" }),
        ],
      });
      // The editor scrolls itself; on a phone the editor may be above the
      // fold, so the page is scrolled too once the line is drawn.
      view.requestMeasure({
        read: () => view.coordsAtPos(target.from),
        write: (coords) => {
          if (!coords) return;
          const el = view.dom.querySelector(".cm-error-line");
          el?.scrollIntoView({ block: "nearest" });
        },
      });
    },

    /** The effect that clears the error line of a state not shown (another file's). */
    clearErrorEffect: () => setErrorLine.of(null),

    clearError() {
      if (view.state.field(errorLine)) view.dispatch({ effects: setErrorLine.of(null) });
    },

    focus: () => view.focus(),

    /** Scrolls the text to {top, left} (pixels): now, again once the view has measured its
     *  lines (its first drawing estimates the heights of those it has not drawn), and again
     *  after its first frame, in which Chromium scrolls a focused editor to its selection. */
    scrollTo({ top, left }) {
      const scroll = () => {
        view.scrollDOM.scrollTop = top;
        view.scrollDOM.scrollLeft = left;
      };
      scroll();
      view.requestMeasure({ read: () => null, write: scroll });
      requestAnimationFrame(() => setTimeout(scroll));
    },
  };
}

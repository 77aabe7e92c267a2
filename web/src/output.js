// The output panel: what a run printed, what it wrote to standard error (a
// region of its own, styled as a warning), what it returned (as Lua shows
// values), its error, and a line of facts (engine, time, memory). Every piece
// of text goes in through textContent: output is never read as HTML.

import { formatValues, formatKB, formatMs, groupDigits } from "./format.js";

const ERROR_TITLES = {
  syntax: "Syntax error",
  runtime: "Runtime error",
  memory_limit: "Memory limit reached",
  instruction_limit: "Instruction limit reached",
  timeout: "Timeout",
  trap: "The sandbox failed",
  store: "_home could not be saved",
  code_size: "The code is too large",
};

const ENGINE_NAMES = { browser: "Browser", server: "Server", pyodide: "Pyodide" };
const RUNNING = { browser: "Running in the browser…", server: "Running in the server…", pyodide: "Running in Pyodide…" };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class OutputPanel {
  constructor(root) {
    this.root = root;
  }

  /** The panel while a run is under way. loading: what the engine does
   *  before the script starts (e.g. "Loading Python (Pyodide)…"); note: a
   *  line above it (e.g. why another engine runs the script). */
  running(engine, { loading = null, note = null } = {}) {
    const line = el("p", "status running");
    line.append(el("span", "spinner"), loading ?? RUNNING[engine] ?? `Running (${engine})…`);
    this.root.replaceChildren(...(note ? [this.note(note)] : []), line);
    this.root.setAttribute("aria-busy", "true");
  }

  note(text) {
    const line = el("p", "status note", text);
    line.setAttribute("role", "note");
    return line;
  }

  /** A note in place of a result (e.g. the runtime could not start). */
  message(text, kind = "info") {
    this.root.removeAttribute("aria-busy");
    this.root.replaceChildren(el("p", `status ${kind}`, text));
  }

  /**
   * One run's result. stopped: the user pressed Stop; hint: a sentence to add
   * under the error (e.g. how to reach the server engine); title: the error's
   * heading, when the error's name alone would mislead; note: a line above
   * the result (e.g. that another engine ran it).
   */
  result(result, { stopped = false, hint = null, title = null, note = null } = {}) {
    this.root.removeAttribute("aria-busy");
    const parts = [...(note ? [this.note(note)] : []), this.facts(result, stopped)];
    if (result.output) parts.push(el("pre", "stdout", result.output));
    if (result.stderr) parts.push(this.stderr(result.stderr));
    if (result.values?.length) {
      const block = el("div", "returns");
      block.append(el("span", "label", "returned"), el("pre", "values", formatValues(result.values)));
      parts.push(block);
    }
    if (stopped) {
      parts.push(el("p", "status stopped", "Stopped: the script was ended by the user. _home keeps its state from before this run."));
    } else if (result.error) {
      parts.push(this.error(result.error, hint, title));
      parts.push(el("p", "status rolled-back", "_home was rolled back: a run that fails keeps none of its changes to _home."));
    } else if (!result.output && !result.stderr && !result.values?.length) {
      parts.push(el("p", "status quiet", "The script ran and printed nothing."));
    }
    this.root.replaceChildren(...parts);
  }

  // A region named for screen readers ("Standard error"), with a visible label.
  stderr(text) {
    const box = el("section", "stderr");
    box.setAttribute("aria-label", "Standard error");
    const label = el("span", "label", "stderr");
    label.setAttribute("aria-hidden", "true");
    box.append(label, el("pre", "stderr-text", text));
    return box;
  }

  error(error, hint, title) {
    const box = el("div", "error");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "error");
    box.append(el("div", "error-title", title ?? ERROR_TITLES[error.name] ?? "Error"));
    box.append(el("pre", "error-message", error.message));
    if (error.traceback) box.append(el("pre", "traceback", error.traceback));
    if (hint) box.append(el("p", "hint", hint));
    return box;
  }

  facts(result, stopped) {
    const ok = !result.error && !stopped;
    const line = el("div", `facts ${ok ? "ok" : "failed"}`);
    const stats = result.stats ?? {};
    line.append(
      el("span", "fact outcome", stopped ? "■ stopped" : ok ? "✓ ok" : "✕ error"),
      el("span", "fact engine", ENGINE_NAMES[result.engine] ?? result.engine),
      el("span", "fact time", formatMs(stats.elapsed_ms)),
    );
    if (stats.heap_peak) {
      const memory = el("span", "fact memory", `${formatKB(stats.heap_peak)} peak`);
      memory.title = "The Lua heap's peak during the run";
      line.append(memory);
    }
    if (stats.instructions) {
      const count = el("span", "fact instructions", `${groupDigits(stats.instructions)} instructions`);
      count.title = "Lua VM instructions the run used";
      line.append(count);
    }
    return line;
  }
}

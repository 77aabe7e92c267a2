// The playground page: wires the editor, the input box, the output panel,
// the _home inspector, share links and the examples menu to one LuaClient,
// and exposes the same runs to tests as window.wasmCompute = {ready, editor,
// run(code, {engine, stdin, args, name, limits}), home(), setHome(snapshot)};
// ready resolves once the code shows in an editor the visitor can type in
// and the browser engine's worker has made its instance of lua.wasm (a Run
// then runs at once), when the page also sets <html data-ready="true">. That
// editor is a plain one at first (src/plain-editor.js): CodeMirror takes its
// place after ready, with what was typed, selected and scrolled, and then
// `editor` resolves and <html data-editor="codemirror"> is set. With Vim
// keys on, every key means something else, so the page is ready only once
// CodeMirror has them. A Server run that finds no server runs again in
// Pyodide, and says so (runWithFallback). The Run button runs main.lua as
// the chunk `main.lua` (messages read `main.lua:3: …`), with the other files
// as its modules (util.lua is `require("util")`) and the input box as its
// standard input. With ?embed in its address the page is the embed mode:
// editor, Run and output only (style.css), a _home of its own, no draft.

import { ENGINES, LuaClient } from "../lua-client.js";
import { Files, MAIN_FILE, checkedFiles, errorPlace } from "./files.js";
import { PlainEditor } from "./plain-editor.js";
import { OutputPanel } from "./output.js";
import { Inspector } from "./inspector.js";
import { homeChanges } from "./home-diff.js";
import { FormatError, formatLua } from "./format-lua.js";
import { wireTheme } from "./theme.js";
import { rememberVim, wireVim } from "./vim.js";
import { fillShortcuts } from "./shortcuts.js";
import { EXAMPLES, DEFAULT_EXAMPLE, exampleById } from "./examples.js";
import {
  copyText, createShareLink, loadShared, shareFromFragment, shareIdFromPath, ShareNotFound,
} from "./share.js";

// The playground's root URL, from which every other URL is made: the page's
// folder, or for a share link (<root>s/<id>) the folder above. Relative URLs
// of the page itself (this bundle, style.css) still work under /s/, because
// the server serves <root>s/<path> as <root><path>.
const EMBED = new URLSearchParams(location.search).has("embed");
if (EMBED) document.documentElement.dataset.embed = "";
wireTheme(document.querySelector("#theme"));

const ROOT = new URL(/^(.*\/)s\/[^/]+$/.exec(location.pathname)?.[1] ?? "./", location.href).href;
// The draft: every file ([{name, code}] as JSON), and main.lua alone as drafts before files had it.
const FILES_KEY = "wasm-compute:files";
const CODE_KEY = "wasm-compute:code";
const INPUT_KEY = "wasm-compute:input";
const ENGINE_KEY = "wasm-compute:engine";
// Saving the code on every keystroke is wasteful; this long after the last one is enough.
const SAVE_DELAY_MS = 300;
const TOAST_MS = 2600;
// The status of a run the client ended (zig/ABI.md §5: ERROR_TIMEOUT), which Stop also uses.
const STOPPED_CODE = -9;

const $ = (selector) => document.querySelector(selector);

// localStorage can be missing or refuse (private modes, quotas): the page works without it.
const stored = {
  get(key) { try { return localStorage.getItem(key); } catch { return null; } },
  set(key, value) { try { localStorage.setItem(key, value); } catch { /* kept in the page only */ } },
};

const ui = {
  run: $("#run"),
  stop: $("#stop"),
  share: $("#share"),
  engine: $("#engine"),
  examples: $("#examples"),
  inputBox: $("#input-box"),
  stdin: $("#stdin"),
  clearHome: $("#clear-home"),
  problem: $("#storage-problem"),
  notice: $("#notice"),
  shareBar: $("#share-bar"),
  shareUrl: $("#share-url"),
  format: $("#format"),
  shareHome: $("#share-home"),
  shareEmbed: $("#share-embed"),
  homeOffer: $("#home-offer"),
  openFull: $("#open-full"),
  toast: $("#toast"),
  vim: $("#vim"),
  newFile: $("#new-file"),
};
// The inline script of index.html may have started the browser worker already.
const boot = window.wasmComputeBoot;
const client = new LuaClient({
  startedWorker: boot?.worker ?? null,
  // An embedded page keeps a _home of its own: a visitor's runs there leave theirs alone.
  ...(EMBED ? { storageKey: "wasm-compute:home:embed" } : {}),
  wasm: new URL("lua.wasm", ROOT).href,
  api: new URL("api/run", ROOT).href,
  pyodide: new URL("pyodide/", ROOT).href,
});
// What a Server run that found no server says, while it runs in Pyodide and after.
const FALLBACK_NOTES = {
  running: "Server unreachable — running in Pyodide (Python in the browser).",
  done: "Server unreachable — ran in Pyodide (Python in the browser).",
};
const output = new OutputPanel($("#output"));
const inspector = new Inspector($("#home-inspector"), { onChange: replaceHome });
let editor = null; // CodeMirror's (src/editor.js), once it has taken the plain editor's place
let files = null; // the files: a PlainEditor until then, then Files over CodeMirror
let running = null; // {engine, stopped, started, note} while a run is under way
let ranOnce = false;
// What the last run changed in _home (home-diff.js), until _home changes otherwise.
let changes = null;
// Set while the address bar names shared code (/s/<id> or #code=…): the first edit drops it.
let addressNamesCode = false;

// ------------------------------------------------------------ small pieces of UI

let toastTimer = 0;
function toast(text) {
  ui.toast.textContent = text;
  ui.toast.classList.add("visible");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ui.toast.classList.remove("visible"), TOAST_MS);
}

function notice(text) {
  ui.notice.querySelector("[data-text]").textContent = text;
  ui.notice.hidden = false;
}

function showProblem(message) {
  ui.problem.querySelector("[data-text]").textContent = message ?? "";
  ui.problem.hidden = !message;
}

function setRunning(state) {
  running = state;
  ui.run.disabled = state !== null;
  ui.stop.disabled = state?.engine !== "browser" && state?.engine !== "pyodide";
  inspector.setBusy(state !== null);
}

function renderHome() {
  const home = client.home();
  inspector.render(home, changes);
  ui.clearHome.disabled = home.t.length === 0;
}

function replaceHome(snapshot) {
  changes = null;
  try {
    client.setHome(snapshot); // emits "home", which renders the inspector
  } catch (e) {
    toast(`_home was not changed: ${e.message}`);
    renderHome();
  }
}

// ------------------------------------------------------------ running

// The page is ready once the browser worker has made its instance of
// lua.wasm and warmed it up: the worker the inline script started (which
// compiles lua.wasm itself), else one started now. A warm-up run through the
// client would do more, but its save of _home would also clear a storage
// problem the client found at start-up before anyone could read it.
const warmup = new Promise((resolve, reject) => {
  const loaded = ({ detail }) => {
    if (detail.engine !== "browser") return;
    client.removeEventListener("loaded", loaded);
    if (detail.failure) reject(new Error(detail.failure));
    else resolve();
  };
  client.addEventListener("loaded", loaded);
  client.preload("browser");
});

// A trap on the server engine is the server failing (or missing), not the script.
function serverFailure(result, engine) {
  if (engine !== "server" || result.error?.name !== "trap") return {};
  return {
    title: "The server could not run the script",
    hint: "The Server engine needs the playground's server (./build.sh serve). Choose the Browser engine to run the script on this page.",
  };
}

/** Runs `code` through the client and shows the result; resolves to it, with
 *  `home`. request: the run's {stdin, args, name, limits} (LuaClient.run). */
async function run(code, { engine = ui.engine.value, ...request } = {}) {
  if (!ENGINES.includes(engine)) throw new Error(`unknown engine: ${engine}`);
  if (running) throw new Error("a script is already running");
  const state = { engine, stopped: false, started: false, note: null };
  ranOnce = true;
  setRunning(state);
  showRunning();
  const fromEditor = files !== null && code === files.code(MAIN_FILE) && request.name === MAIN_FILE;
  if (fromEditor && editor) files.clearErrors();
  let result;
  const before = client.home();
  changes = null;
  try {
    if (engine === "browser") await warmup.catch(() => {});
    state.started = true;
    result = state.stopped ? stoppedBeforeStart(engine) : await runWithFallback(code, state, request);
  } catch (e) {
    // A server that cannot be reached at all: fetch itself failed.
    result = {
      output: "", stderr: "", values: [], engine,
      error: { code: -10, name: "trap", message: `the ${engine} engine could not run the script: ${e.message}`, traceback: "" },
      stats: { instructions: 0, heap_used: 0, heap_peak: 0, elapsed_ms: 0 },
    };
  } finally {
    setRunning(null);
    runEnded?.();
  }
  // A run that ended on its own just as Stop was pressed keeps its result.
  const stopped = state.stopped && result.error?.code === STOPPED_CODE;
  output.result(result, { stopped, note: state.note, ...serverFailure(result, state.engine) });
  changes = homeChanges(before, client.home());
  renderHome();
  // The error's line, in the file it names (the message's, else the traceback's first).
  const place = fromEditor && editor && !stopped && result.error ? errorPlace(result.error, files.names()) : null;
  if (place) files.markError(place.name, place.line, result.error.message);
  return { ...result, home: client.home() };
}

/** A Server run that could not reach a server (none, or a static copy of
 *  the page) runs again in Pyodide: the same Python host, in this browser. */
async function runWithFallback(code, state, request) {
  const first = await client.run(code, { ...request, engine: state.engine });
  if (state.engine !== "server" || first.error?.name !== "unreachable" || state.stopped) return first;
  state.engine = "pyodide";
  state.note = FALLBACK_NOTES.running;
  setRunning(state);
  showRunning();
  const result = await client.run(code, { ...request, engine: "pyodide" });
  state.note = FALLBACK_NOTES.done;
  return { ...result, fallbackFrom: "server" };
}

/** The output panel of the run under way, with what its engine is loading. */
function showRunning() {
  output.running(running.engine, { loading: client.loading[running.engine], note: running.note });
}

function stoppedBeforeStart(engine) {
  return {
    output: "", stderr: "", values: [], engine,
    error: { code: STOPPED_CODE, name: "timeout", message: "stopped: the script was ended by the user", traceback: "" },
    stats: { instructions: 0, heap_used: 0, heap_peak: 0, elapsed_ms: 0 },
  };
}

function runEditor() {
  if (running || !files) return;
  run(files.code(MAIN_FILE), { stdin: ui.stdin.value, name: MAIN_FILE, modules: files.modules() })
    .catch((e) => output.message(String(e.message), "failed"));
}

function stop() {
  if (!running) return;
  running.stopped = true;
  // Before its start the run only waits for the warm-up, which must not be ended.
  if (running.started) client.stop();
}

// ------------------------------------------------------------ formatting

/** Formats the file shown with StyLua; code it cannot parse stays as it is, and the page says why. */
async function formatFile() {
  if (!editor) {
    upgraded.then(formatFile, () => {}); // pressed in the plain editor: formats once CodeMirror shows the text
    return;
  }
  if (ui.format.disabled) return;
  const before = editor.code();
  ui.format.disabled = true;
  try {
    const formatted = await formatLua(before);
    if (editor.code() !== before) return; // typed meanwhile: that text was not formatted
    if (formatted !== before) editor.replaceKeepingCursor(formatted);
    toast(formatted === before ? "Already formatted" : "Formatted with StyLua. Ctrl+Z undoes it.");
  } catch (e) {
    notice(e instanceof FormatError
      ? `Not formatted: StyLua cannot parse this file, which is left as it was. ${e.message}`
      : `Not formatted: StyLua could not be loaded (${e.message}).`);
  } finally {
    ui.format.disabled = false;
  }
}

// ------------------------------------------------------------ the code at start-up

/** The last draft's files: every file, or main.lua alone (a draft from before files), or the hello example. */
function draftFiles() {
  let saved = null;
  try { saved = checkedFiles(JSON.parse(stored.get(FILES_KEY))); } catch { /* none, or not readable */ }
  return saved ?? [{ name: MAIN_FILE, code: stored.get(CODE_KEY) ?? DEFAULT_EXAMPLE.code }];
}

const HELLO = { files: [{ name: MAIN_FILE, code: DEFAULT_EXAMPLE.code }], input: "", home: null };

/** The files and input to show first (and a _home a link carries): a shared
 *  script, a #code= link, the last draft, or the hello example. */
async function initialDraft() {
  const draft = EMBED ? HELLO : { files: draftFiles(), input: stored.get(INPUT_KEY) ?? "", home: null };
  const id = shareIdFromPath(location, ROOT);
  if (id) {
    try {
      const shared = await loadShared(id, ROOT);
      addressNamesCode = true;
      return shared;
    } catch (e) {
      notice(e instanceof ShareNotFound
        ? `Link error: shared script not found (id “${id}”). You are looking at the hello example.`
        : `The shared script could not be loaded (${e.message}). You are looking at the hello example.`);
      return HELLO;
    }
  }
  const fromLink = shareFromFragment(location.hash);
  if (fromLink === null) {
    notice("The code in this link could not be read (it may have been cut short).");
    return draft;
  }
  // An empty link (#code= alone) names nothing: the draft stays.
  addressNamesCode = fromLink.files.some((f) => f.code !== "") || fromLink.input !== "" || fromLink.home !== null;
  return addressNamesCode ? fromLink : draft;
}

let saveTimer = 0;
function saveDraft() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  if (EMBED) return; // an embedded page shows someone else's code: the visitor's draft stays theirs
  if (files) {
    const list = files.list();
    stored.set(FILES_KEY, JSON.stringify(list));
    stored.set(CODE_KEY, list[0].code);
  }
  stored.set(INPUT_KEY, ui.stdin.value);
}

// The draft (every file and the input) is saved a moment after the last change, or
// when the page goes away before that; the first change drops a share
// address, which no longer names what is shown.
function draftChanged() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveDraft, SAVE_DELAY_MS);
  if (addressNamesCode && !EMBED) {
    addressNamesCode = false;
    history.replaceState(null, "", ROOT);
  }
}

function setInput(text) {
  ui.stdin.value = text;
  if (text !== "") ui.inputBox.open = true;
}

// ------------------------------------------------------------ sharing

// The share panel opens with a link made at once; ticking "Include _home" makes another one.
async function share() {
  ui.share.disabled = true;
  ui.shareHome.disabled = true;
  try {
    const home = ui.shareHome.checked ? client.home() : null;
    const { url, via } = await createShareLink({ files: files.list(), input: ui.stdin.value, home }, ROOT);
    if (new URL(url).origin === location.origin) {
      history.replaceState(null, "", url);
      addressNamesCode = true;
    }
    ui.shareBar.hidden = false;
    ui.shareBar.querySelector("[data-via]").textContent = via === "server" ? "Stored on the server." : carriedBy(home);
    const keys = client.home().t.length;
    ui.shareBar.querySelector("[data-home-keys]").textContent = keys === 0 ? "empty" : `${keys} ${keys === 1 ? "key" : "keys"}`;
    ui.shareUrl.value = url;
    ui.shareEmbed.value = embedSnippet(url);
    const copied = await copyText(url, ui.shareUrl);
    toast(copied ? "Link copied" : "Press Ctrl+C to copy the link");
  } finally {
    ui.share.disabled = false;
    ui.shareHome.disabled = false;
  }
}

/** What a fragment link carries, in words ("The code and its input travel inside the link itself."). */
function carriedBy(home) {
  const parts = [files.list().length > 1 ? "The files" : "The code"];
  if (ui.stdin.value !== "") parts.push("its input");
  if (home) parts.push("_home");
  const one = parts.length === 1 && parts[0] === "The code";
  return `${parts.join(" and ")} travel${one ? "s" : ""} inside the link itself.`;
}

/** The <iframe> that embeds the link `url` (editor, Run and output, ?embed). */
function embedSnippet(url) {
  const embed = new URL(url);
  embed.search = "embed";
  const src = embed.href.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  return `<iframe src="${src}" title="Lua Playground" width="100%" height="420" style="border: 0" loading="lazy"></iframe>`;
}

/** A link that carries _home asks first: the visitor's own _home is replaced only if they say so. */
function offerHome(home) {
  const n = home.t.length;
  ui.homeOffer.querySelector("[data-text]").textContent =
    `This link carries a _home (${n} ${n === 1 ? "key" : "keys"}). Replace your own _home with it?`;
  ui.homeOffer.hidden = false;
  ui.homeOffer.querySelector("[data-accept]").onclick = () => {
    ui.homeOffer.hidden = true;
    replaceHome(home);
    toast("_home replaced by the link's");
  };
  ui.homeOffer.querySelector("[data-decline]").onclick = () => {
    ui.homeOffer.hidden = true;
    toast("Your _home is unchanged");
  };
}

// ------------------------------------------------------------ wiring

function fillExamples() {
  for (const example of EXAMPLES) {
    const option = document.createElement("option");
    option.value = example.id;
    option.textContent = example.title;
    ui.examples.append(option);
  }
  ui.examples.addEventListener("change", () => {
    const example = exampleById(ui.examples.value);
    ui.examples.value = "";
    // Chosen in the plain editor: loaded once CodeMirror has its text, so that Ctrl+Z brings it back.
    if (example) upgraded.then(() => loadExample(example), () => {});
  });
}

function loadExample(example) {
  files.select(MAIN_FILE);
  editor.setCode(example.code);
  if (example.input !== undefined) {
    setInput(example.input);
    draftChanged();
  }
  editor.focus();
  toast(`Loaded “${example.title}”. Ctrl+Z brings your code back.`);
}

function wire() {
  const savedEngine = stored.get(ENGINE_KEY);
  if (ENGINES.includes(savedEngine)) ui.engine.value = savedEngine;
  ui.engine.addEventListener("change", () => stored.set(ENGINE_KEY, ui.engine.value));
  ui.run.addEventListener("click", runEditor);
  // New file in the plain editor: added once CodeMirror (with Files) has taken its place.
  ui.newFile.addEventListener("click", () => { if (!editor) upgraded.then(() => files.add(), () => {}); });
  rememberVim(ui.vim);
  ui.stdin.addEventListener("input", draftChanged);
  addEventListener("pagehide", () => { if (saveTimer) saveDraft(); });
  // A #code= link opened over this page changes the hash only: load it as a page load would.
  addEventListener("hashchange", () => { if (location.hash.startsWith("#code=")) location.reload(); });
  ui.stop.addEventListener("click", stop);
  ui.format.addEventListener("click", formatFile);
  const shortcuts = $("#shortcuts");
  fillShortcuts(shortcuts.querySelector("[data-shortcuts]"));
  $("#show-shortcuts").addEventListener("click", () => shortcuts.showModal());
  shortcuts.querySelector("[data-close]").addEventListener("click", () => shortcuts.close());
  const shareNow = () => share().catch((e) => toast(`Sharing failed: ${e.message}`));
  ui.share.addEventListener("click", shareNow);
  ui.shareHome.addEventListener("change", shareNow);
  ui.shareBar.querySelector("[data-copy-embed]").addEventListener("click", async () => {
    toast((await copyText(ui.shareEmbed.value, ui.shareEmbed)) ? "Embed code copied" : "Press Ctrl+C to copy the embed code");
  });
  ui.clearHome.addEventListener("click", () => {
    if (confirm("Clear all of _home? Everything your scripts stored is deleted.")) replaceHome({ t: [] });
  });
  for (const button of document.querySelectorAll("[data-dismiss]")) {
    button.addEventListener("click", () => { button.closest("[data-dismissable]").hidden = true; });
  }
  ui.shareBar.querySelector("[data-copy]").addEventListener("click", async () => {
    toast((await copyText(ui.shareUrl.value, ui.shareUrl)) ? "Link copied" : "Press Ctrl+C to copy the link");
  });
  // Ctrl/Cmd+Enter runs from anywhere on the page, not only in the editor.
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
      e.preventDefault();
      runEditor();
    }
  });
  client.addEventListener("home", () => {
    if (!running) changes = null; // another tab's commit: the marks would describe another change
    renderHome();
  });
  client.addEventListener("progress", (e) => {
    if (running?.started && running.engine === e.detail.engine) showRunning();
  });
  client.addEventListener("storage-problem", (e) => showProblem(e.detail));
  showProblem(client.problem); // a problem found while the client was made
  fillExamples();
  renderHome();
}

wire();
setRunning(null);

// ------------------------------------------------------------ start-up

let runEnded = null; // resolves afterRuns' promise when the run under way ends

/** Resolves when no run is under way. */
function afterRuns() {
  if (!running) return Promise.resolve();
  return new Promise((resolve) => { runEnded = () => { runEnded = null; resolve(); }; });
}

/** CodeMirror in the plain editor's place: the same files, main.lua's text with its
 *  selection and scroll, and the focus if it had it. Made in one task with the plain
 *  editor's removal (handOver), so that no key pressed meanwhile is lost. */
async function upgradeEditor() {
  const { createEditor } = await import("./editor.js");
  const plain = files;
  await plain.settled();
  const shown = plain.handOver();
  editor = createEditor($("#editor"), {
    doc: shown.files[0].code, selection: shown.selection, onRun: runEditor, onFormat: formatFile, onChange: draftChanged,
  });
  files = new Files({
    tabs: $("#file-tabs"), panel: $("#editor"), editor, onChange: draftChanged, say: toast,
    buttons: { add: ui.newFile, rename: $("#rename-file"), remove: $("#delete-file") },
  });
  files.set(shown.files);
  if (shown.focused) editor.focus();
  editor.scrollTo(shown.scroll);
  document.documentElement.dataset.editor = "codemirror";
  await wireVim(ui.vim, editor, (e) => toast(`Vim keys could not be loaded: ${e.message}`));
}

const ready = (async () => {
  const draft = await initialDraft();
  setInput(draft.input);
  files = new PlainEditor($("#plain-editor"), draft.files, { tabs: $("#file-tabs"), panel: $("#editor"), onChange: draftChanged });
  if (draft.home) offerHome(draft.home);
  if (EMBED) {
    const full = new URL(location.href);
    full.searchParams.delete("embed");
    ui.openFull.href = full.href;
  }
  const upgradedFirst = ui.vim.checked ? upgradeEditor() : null;
  try {
    await warmup;
    await upgradedFirst;
  } catch (e) {
    output.message(`The Lua runtime could not start in this browser: ${e.message}. The Server engine may still work.`, "failed");
    document.documentElement.dataset.ready = "error";
    throw e;
  }
  document.documentElement.dataset.ready = "true";
  performance.mark("wasm-compute:ready"); // how long the page took to be ready, for the tests and anyone curious
  if (!ranOnce) output.message("Ready. Press Run or Ctrl+Enter to run the script.", "quiet");
})();
ready.catch(() => {}); // reported on the page; a test awaiting `ready` still sees the rejection

// CodeMirror's ~70 ms of evaluating and building would delay the answer of a Run pressed at
// ready: it comes once the page is ready and no run is under way.
const upgraded = ready.then(() => new Promise((resolve) => setTimeout(resolve)))
  .then(afterRuns)
  .then(() => editor ?? upgradeEditor())
  .catch((e) => { if (document.documentElement.dataset.ready === "true") toast(`The full editor could not be loaded: ${e.message}`); throw e; });
upgraded.catch(() => {});

window.wasmCompute = {
  ready,
  editor: upgraded,
  run: (code, options) => run(code, options),
  home: () => client.home(),
  setHome: (snapshot) => client.setHome(snapshot),
};

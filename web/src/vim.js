// Vim key bindings for the editor (npm @replit/codemirror-vim), remembered in
// localStorage and loaded only when switched on: the page itself never
// carries them.

const VIM_KEY = "wasm-compute:vim";

let loading = null;
const vimExtension = () => {
  loading ??= import("@replit/codemirror-vim").then(({ vim }) => vim()).catch((e) => { loading = null; throw e; });
  return loading;
};

function vimSaved() {
  try { return localStorage.getItem(VIM_KEY) === "on"; } catch { return false; }
}

/** Shows the saved choice in `checkbox` and remembers the visitor's changes of it, from the
 *  start: wireVim applies it once there is an editor. */
export function rememberVim(checkbox) {
  checkbox.checked = vimSaved();
  checkbox.addEventListener("change", () => {
    try { localStorage.setItem(VIM_KEY, checkbox.checked ? "on" : "off"); } catch { /* this page only */ }
  });
}

/** Makes `checkbox` (rememberVim's) switch the editor's Vim mode and applies its state now;
 *  resolves once that applies. onError(e): it could not load. */
export function wireVim(checkbox, editor, onError) {
  const apply = async (on) => {
    try {
      editor.setKeyMode(on ? await vimExtension() : []);
    } catch (e) {
      checkbox.checked = false;
      onError(e);
    }
  };
  checkbox.addEventListener("change", () => apply(checkbox.checked));
  return checkbox.checked ? apply(true) : Promise.resolve();
}

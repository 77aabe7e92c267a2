// Vim key bindings for the editor (npm @replit/codemirror-vim), remembered in
// localStorage and loaded only when switched on: the page itself never
// carries them.

const VIM_KEY = "wasm-compute:vim";

let loading = null;
const vimExtension = () => {
  loading ??= import("@replit/codemirror-vim").then(({ vim }) => vim()).catch((e) => { loading = null; throw e; });
  return loading;
};

/** Whether the visitor switched Vim keys on (and left them on) last time. */
export function vimSaved() {
  try { return localStorage.getItem(VIM_KEY) === "on"; } catch { return false; }
}

/** Makes `checkbox` switch the editor's Vim mode and applies the saved choice; resolves once
 *  that applies. onError(e): it could not load. */
export function wireVim(checkbox, editor, onError) {
  const apply = async (on) => {
    try {
      editor.setKeyMode(on ? await vimExtension() : []);
    } catch (e) {
      checkbox.checked = false;
      onError(e);
    }
  };
  checkbox.checked = vimSaved();
  checkbox.addEventListener("change", () => {
    try { localStorage.setItem(VIM_KEY, checkbox.checked ? "on" : "off"); } catch { /* this page only */ }
    apply(checkbox.checked);
  });
  return checkbox.checked ? apply(true) : Promise.resolve();
}

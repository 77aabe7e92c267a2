// The page's theme: "system" (follow the system's dark setting), "light" or
// "dark", remembered in localStorage. style.css does the rest: every colour
// is a light-dark() pair, picked by the color-scheme data-theme sets.

export const THEMES = Object.freeze(["system", "light", "dark"]);
const THEME_KEY = "wasm-compute:theme";

function saved() {
  try { return localStorage.getItem(THEME_KEY); } catch { return null; }
}

export function applyTheme(theme) {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

/** Applies the saved theme and makes `select` (its options: THEMES) show and change it. */
export function wireTheme(select) {
  const theme = THEMES.includes(saved()) ? saved() : "system";
  applyTheme(theme);
  select.value = theme;
  select.addEventListener("change", () => {
    applyTheme(select.value);
    try { localStorage.setItem(THEME_KEY, select.value); } catch { /* this page only */ }
  });
}

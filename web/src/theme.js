// The page's theme: "system" (follow the system's dark setting), "light" or
// "dark", remembered in localStorage. style.css does the rest: every colour
// is a light-dark() pair, picked by the color-scheme data-theme sets.

export const THEMES = Object.freeze(["system", "light", "dark"]);
const THEME_KEY = "wasm-compute:theme";

/** The theme chosen last ("system" when none was). */
export function savedTheme() {
  let theme = null;
  try { theme = localStorage.getItem(THEME_KEY); } catch { /* no storage: the system's */ }
  return THEMES.includes(theme) ? theme : "system";
}

export function applyTheme(theme) {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

/** Applies the saved theme and makes `select` (its options: THEMES) show and change it. */
export function wireTheme(select) {
  const theme = savedTheme();
  applyTheme(theme);
  select.value = theme;
  select.addEventListener("change", () => {
    applyTheme(select.value);
    try { localStorage.setItem(THEME_KEY, select.value); } catch { /* this page only */ }
  });
}

// Run before the page is first drawn (a classic script in <head>, dist/boot.js):
// sets the saved theme and the embed mode on <html>, so that the page never
// shows itself first in the other theme, or whole when it is embedded.
// src/theme.js and src/playground.js own both afterwards.

import { applyTheme, savedTheme } from "./theme.js";

applyTheme(savedTheme());
if (new URLSearchParams(location.search).has("embed")) document.documentElement.dataset.embed = "";
